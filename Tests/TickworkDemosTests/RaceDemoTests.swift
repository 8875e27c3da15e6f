import Testing
import Tickwork
import TickworkDemos

/// The race on a manual clock: each round's four adders all read before
/// the clock lets any pause end, so the unsafe total gains exactly one per
/// round however the threads are scheduled — loss by construction.
@Suite struct RaceDemoTests {
    @Test func lockedLosesNothingUnsafeLosesEveryRound() throws {
        let rig = try ManualRig(workers: 4)
        defer { rig.shutdown() }
        let engine = rig.engine
        let demo = RaceDemo()
        try demo.start(on: engine)
        let rounds = 5
        // Five rounds of one second each, in 10 ms steps; stop just before round six.
        rig.step(rounds * 100 - 5, by: .milliseconds(10)) { _ in quiesce(engine) }
        let t = demo.totals
        #expect(t.expected == rounds * 4)
        #expect(t.locked == t.expected, "the lock loses no update")
        #expect(t.unsafe == rounds, "four adders read the same value each round: three updates lost per round")
        #expect(figure(demo, "lost") == rounds * 3)
        // The adders waited on the lock, shown as such, and ran every round.
        #expect(engine.jobs(JobQuery(group: "race", limit: 10)).jobs.allSatisfy { $0.runs == rounds && $0.errors == 0 })
    }

    /// `settle()` does not wait for a run blocked on the lock (the engine
    /// cannot know when the lock frees), so an adder handed the lock may
    /// not have begun its pause yet. Wait — for the threads, not for engine
    /// time — until every busy adder is asleep or blocked behind a sleeper,
    /// so the clock never runs ahead of the handoffs.
    func quiesce(_ engine: Engine) {
        let rested = engine.waitForChange(within: .seconds(5)) {
            let phases = engine.snapshot().workers.map(\.phase)
            return !phases.contains(.running) && (!phases.contains(.waiting) || phases.contains(.sleeping))
        }
        if !rested { Issue.record("the adders did not come to rest") }
    }

    @Test func realThreadsStillLoseUpdates() throws {
        // Real time, short pauses: the claim holds without a manual clock.
        let engine = try Engine(EngineConfiguration(workers: 4))
        let demo = RaceDemo(period: .milliseconds(100), pause: .milliseconds(20))
        try demo.start(on: engine)
        _ = engine.waitForChange(within: .seconds(20)) { demo.totals.expected >= 12 }   // three rounds
        demo.stop(on: engine)
        _ = engine.shutdown(deadline: .seconds(2))
        let t = demo.totals
        #expect(t.expected >= 12)
        #expect(t.locked == t.expected)
        #expect(t.unsafe < t.expected)
    }
}
