import Testing
import Tickwork
import TickworkDemos

/// The ThreadDict on a manual clock: steady keys are always fresh; the
/// flaky upstream goes stale, is marked, and recovers; readers never wait.
@Suite struct PollDemoTests {
    @Test func staleValuesAreMarkedAndRecover() throws {
        let clock = ManualClock()
        let engine = Engine(EngineConfiguration(workers: 6, timerResolutionShift: 10, clock: clock))
        defer { _ = engine.shutdown(deadline: .seconds(2)) }
        let demo = PollDemo(seed: 4)
        try demo.start(on: engine)
        var flakyStale = 0, flakyFreshAfterStale = false, steadyStale: [String] = []
        for step in 1...600 {   // 60 s
            clock.advance(by: .milliseconds(100))
            engine.settle()
            guard step > 10 else { continue }   // every key has been read once
            for key in PollDemo.keys {
                let v = try #require(demo.lookup(key.name), "\(key.name) has a value")
                if key.flaky {
                    if v.stale { flakyStale += 1 } else if flakyStale > 0 { flakyFreshAfterStale = true }
                } else if v.stale {
                    steadyStale.append(key.name)
                }
            }
        }
        #expect(steadyStale.isEmpty, "keys refreshed on time never go stale")
        #expect(flakyStale > 0, "the flaky upstream goes stale")
        #expect(flakyFreshAfterStale, "and recovers")
        let c = demo.counts
        #expect(c.reads == 240 * PollDemo.keys.count, "the reader ran every 250 ms and read every key")
        #expect(c.staleReads > 0)
        #expect(c.refreshErrors > 0)
        let upstream = try #require(engine.jobs(JobQuery(text: "upstream", limit: 1)).jobs.first)
        #expect(upstream.errors == c.refreshErrors, "every failed refresh is in the engine's record")
        #expect(demo.figures().contains { $0.label == "upstream.price" })
    }
}
