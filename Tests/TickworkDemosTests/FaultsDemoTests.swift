import Testing
import Tickwork
import TickworkDemos

/// Faults on a manual clock: every thrown error and every timeout is in
/// the engine's record with its message; stuck workers are replaced and
/// the pool keeps its size; the missed-tick policies count differently.
@Suite struct FaultsDemoTests {
    @Test func everyFaultIsRecordedAndThePoolSurvives() throws {
        let rig = try ManualRig(workers: 8)
        defer { rig.shutdown() }
        let engine = rig.engine
        let demo = FaultsDemo(seed: 9, hangFor: .seconds(60))
        try demo.start(on: engine)
        rig.step(120)   // 12 s
        let (jobs, thrown) = demo.record
        let byName = Dictionary(uniqueKeysWithValues: jobs.map { ($0.name, $0) })
        let shown = figures(of: demo)
        let thrownTotal = thrown.values.reduce(0, +)
        let timeouts = jobs.reduce(0) { $0 + $1.timeouts }
        #expect(thrownTotal > 3)
        #expect(jobs.reduce(0) { $0 + $1.errors } == thrownTotal + timeouts, "every error is in the record")
        #expect(Int(shown["errors"]!) == thrownTotal + timeouts)
        // Messages are kept, not just counts.
        #expect(byName["faults.always-fails"]?.lastError?.message == "disk full writing /var/spool/report")
        if let flaky = byName["faults.flaky"], flaky.errors > 0 {
            #expect(FaultsDemo.flakyMessages.contains(flaky.lastError?.message ?? ""))
            #expect(flaky.runs > flaky.errors, "a failing run does not stop the job")
        }
        // Backing off: always-fails ran fewer times than its 2 s schedule allows.
        #expect((byName["faults.always-fails"]?.runs ?? 99) < 6)
        #expect((byName["faults.always-fails"]?.backoffNs ?? 0) > 1_000_000_000)
        // Timeouts: slow-call (every 3 s) and the hung job, each replaced.
        #expect(byName["faults.slow-call"]!.timeouts >= 3, "\(String(describing: byName["faults.slow-call"]))\n\(engine.debugDescription)")
        #expect(byName["faults.hung"]!.timeouts == 1)
        #expect(byName["faults.slow-call"]!.lastError?.timedOut == true)
        #expect(Int(shown["timeouts"]!) == timeouts)
        #expect(engine.workersReplaced == timeouts)
        #expect(Int(shown["stuck_replaced"]!) == timeouts)
        let snap = engine.snapshot()
        #expect(snap.workers.filter { !$0.retiring && $0.phase != .stuck }.count == 8, "the pool keeps its size")
        #expect(snap.workers.contains { $0.phase == .stuck }, "the hung thread is still blocked, written off")
        // Overruns: skip misses the most ticks, run-once-late and re-anchor fewer.
        let skip = byName["faults.overrun-skip"]!, late = byName["faults.overrun-runOnceLate"]!, re = byName["faults.overrun-reanchor"]!
        #expect(skip.misses > 0 && late.misses > 0)
        #expect(skip.runs <= late.runs)
        #expect(re.misses <= skip.misses)
        // Stopping releases the hung thread, so nothing outlives the demo.
        demo.stop(on: engine)
    }
}
