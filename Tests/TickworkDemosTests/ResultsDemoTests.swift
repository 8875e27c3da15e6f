#if canImport(Glibc)
import Glibc
#endif
import Testing
import Tickwork
import TickworkDemos

/// The results demo: its main loop sends out work, and every result,
/// failure and cancel comes back to that loop, none on a worker.
@Suite struct ResultsDemoTests {
    @Test func everyEndingComesBackOnTheMainLoop() throws {
        let rig = try ManualRig(workers: 4)
        defer { rig.shutdown() }
        let demo = ResultsDemo(seed: 3)
        try demo.start(on: rig.engine)
        // The loop submits on its own time (ten times a second); each
        // submission is an engine change.
        #expect(rig.engine.waitForChange(within: .seconds(30)) { demo.counts.submitted >= 30 })
        rig.step(5)
        demo.stop(on: rig.engine)
        rig.engine.settle()
        #expect(demo.waitForLoopToEnd(within: .seconds(30)), "the loop ends once every callback has come back")
        let c = demo.counts
        #expect(c.succeeded + c.failed + c.cancelled == c.submitted, "\(c)")
        #expect(c.onLoop == c.submitted && c.offLoop == 0, "every callback ran on the main loop: \(c)")
        #expect(c.succeeded > 0 && c.failed > 0 && c.cancelled > 0, "all three endings happen: \(c)")
        #expect(figure(demo, "on_worker") == 0 && figure(demo, "in_flight") == 0 && figure(demo, "submitted") == c.submitted)
    }

    @Test func anEngineShutdownEndsTheLoop() throws {
        let rig = try ManualRig(workers: 2)
        let demo = ResultsDemo(seed: 4)
        try demo.start(on: rig.engine)
        #expect(rig.engine.waitForChange(within: .seconds(30)) { demo.counts.submitted >= 3 })
        rig.shutdown()   // the work not yet run is delivered as cancelled
        #expect(demo.waitForLoopToEnd(within: .seconds(30)))
        let c = demo.counts
        #expect(c.succeeded + c.failed + c.cancelled == c.submitted && c.offLoop == 0, "\(c)")
    }
}
