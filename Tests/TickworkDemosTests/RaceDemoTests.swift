#if canImport(Glibc)
import Glibc
#endif
import Testing
import Tickwork
import TickworkDemos

/// The race on a manual clock: each round's four adders all read before
/// the clock lets any pause end, so the unsafe total gains exactly one per
/// round however the threads are scheduled — loss by construction.
@Suite struct RaceDemoTests {
    @Test func lockedLosesNothingUnsafeLosesEveryRound() throws {
        let clock = ManualClock()
        let engine = Engine(EngineConfiguration(workers: 4, timerResolutionShift: 10, clock: clock))
        defer { _ = engine.shutdown(deadline: .seconds(2)) }
        let demo = RaceDemo()
        try demo.start(on: engine)
        let rounds = 5
        // Five rounds of one second each, in 10 ms steps; stop just before round six.
        for _ in 0..<(rounds * 100 - 5) {
            clock.advance(by: .milliseconds(10))
            engine.settle()
            quiesce(engine)
        }
        let t = demo.totals
        #expect(t.expected == rounds * 4)
        #expect(t.locked == t.expected, "the lock loses no update")
        #expect(t.unsafe == rounds, "four adders read the same value each round: three updates lost per round")
        #expect(demo.figures().first { $0.label == "lost" }?.value == "\(rounds * 3)")
        // The adders waited on the lock, shown as such, and ran every round.
        #expect(engine.jobs(JobQuery(group: "race", limit: 10)).jobs.allSatisfy { $0.runs == rounds && $0.errors == 0 })
    }

    /// `settle()` does not wait for a run blocked on the lock (the engine
    /// cannot know when the lock frees), so an adder handed the lock may
    /// not have begun its pause yet. Wait — for the threads, not for engine
    /// time — until every busy adder is asleep or blocked behind a sleeper,
    /// so the clock never runs ahead of the handoffs.
    func quiesce(_ engine: Engine) {
        for _ in 0..<5000 {
            let phases = engine.snapshot().workers.map(\.phase)
            if !phases.contains(.running) && (!phases.contains(.waiting) || phases.contains(.sleeping)) { return }
            var pause = timespec(tv_sec: 0, tv_nsec: 1_000_000); nanosleep(&pause, nil)
        }
        Issue.record("the adders did not come to rest")
    }

    @Test func realThreadsStillLoseUpdates() throws {
        // Real time, short pauses: the claim holds without a manual clock.
        let engine = Engine(EngineConfiguration(workers: 4))
        let demo = RaceDemo(period: .milliseconds(100), pause: .milliseconds(20))
        try demo.start(on: engine)
        var waited = 0
        while demo.totals.expected < 12 && waited < 2000 {   // three rounds, or 20 s at most
            var pause = timespec(tv_sec: 0, tv_nsec: 10_000_000); nanosleep(&pause, nil); waited += 1
        }
        demo.stop(on: engine)
        _ = engine.shutdown(deadline: .seconds(2))
        let t = demo.totals
        #expect(t.expected >= 12)
        #expect(t.locked == t.expected)
        #expect(t.unsafe < t.expected)
    }
}
