import Testing
import Tickwork
import TickworkDemos

/// Timers on a manual clock: every timer settles exactly once, so the
/// counts add up at every step and, after stopping, fired + cancelled == created.
@Suite struct TimersDemoTests {
    @Test func firedPlusCancelledIsCreated() throws {
        let rig = try ManualRig(workers: 4)
        defer { rig.shutdown() }
        let engine = rig.engine
        let demo = TimersDemo(seed: 5)
        try demo.start(on: engine)
        rig.step(200) { _ in   // 20 s
            let c = demo.counts
            #expect(c.fired + c.cancelled + c.pending == c.created)
        }
        let c = demo.counts
        #expect(c.created == 200, "ten a second for twenty seconds")
        #expect(c.fired > 50 && c.cancelled > 20, "both fates happen: \(c)")
        // A timer that fired ran once and retired; a cancelled one ends
        // cancelled — even when the cancel raced its run (the run then saw
        // it was cancelled and did not fire).
        let timers = engine.jobs(JobQuery(text: "timer-", limit: 1000)).jobs
        #expect(timers.filter { $0.state == .retired && $0.runs == 1 }.count == c.fired)
        #expect(timers.filter { $0.state == .cancelled }.count == c.cancelled)
        #expect(timers.filter { $0.runs == 1 }.count >= c.fired)
        demo.stop(on: engine)
        engine.settle()
        let end = demo.counts
        #expect(end.pending == 0)
        #expect(end.fired + end.cancelled == end.created)
    }
}
