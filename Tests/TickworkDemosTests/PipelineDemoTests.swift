import Testing
import Tickwork
import TickworkDemos

/// The pipeline on a manual clock: bursts fill the queue to capacity (never
/// beyond), the producer blocks, and stopping drains the queue so that
/// consumed == produced.
@Suite struct PipelineDemoTests {
    @Test func fillsToCapacityBlocksTheProducerAndDrainsCleanly() throws {
        let rig = try ManualRig(workers: 3)
        defer { rig.shutdown() }
        let engine = rig.engine
        let demo = PipelineDemo(seed: 11)
        try demo.start(on: engine)
        var sawProducerWaiting = false, maxSeen = 0
        rig.step(1500, by: .milliseconds(10)) { _ in   // 15 s of demo time
            let c = demo.counts
            maxSeen = max(maxSeen, c.depth)
            #expect(c.depth <= demo.capacity)
            #expect(c.produced == c.consumed + c.depth || c.produced == c.consumed + c.depth + 1,
                    "an item is in the queue, or in the consumer's hands")
            if engine.snapshot().workers.contains(where: { $0.phase == .waiting && $0.waitingOn == "pipeline queue full" }) {
                sawProducerWaiting = true
            }
        }
        #expect(maxSeen == demo.capacity, "bursts pin the queue at its capacity")
        #expect(demo.counts.maxDepth == demo.capacity)
        #expect(sawProducerWaiting, "the producer's thread shows as waiting on the full queue")
        #expect(figure(demo, "producer_blocked") > 0)

        demo.stop(on: engine)
        // At most 10 items × 120 ms are left to save. A consumer blocked on
        // the queue does not hold `settle()`, so on a loaded machine the
        // clock can run ahead of it: step until it has drained (bounded).
        rig.step(until: {
            let c = demo.counts
            return c.depth == 0 && c.consumed == c.produced
                && engine.jobs(JobQuery(states: [.retired, .cancelled], group: "pipeline", limit: 0)).matching == 2
        }, limit: 5000, by: .milliseconds(10))
        let c = demo.counts
        #expect(c.produced > 30)
        #expect(c.consumed == c.produced, "a clean drain: nothing lost")
        #expect(c.depth == 0)
        let jobs = engine.jobs(JobQuery(group: "pipeline", limit: 10)).jobs
        #expect(jobs.first { $0.name == "pipeline.producer" }?.state == .cancelled, "the producer stops at once")
        #expect(jobs.first { $0.name == "pipeline.consumer" }?.state == .retired, "the consumer retires once drained")
    }
}
