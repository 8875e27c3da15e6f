import Testing
import Tickwork
import TickworkDemos

/// The ThreadDict on a manual clock: steady keys are always fresh; the
/// flaky upstream goes stale, is marked, and recovers; readers never wait.
@Suite struct PollDemoTests {
    @Test func staleValuesAreMarkedAndRecover() throws {
        let rig = try ManualRig(workers: 6)
        defer { rig.shutdown() }
        let engine = rig.engine
        let demo = PollDemo(seed: 4)
        try demo.start(on: engine)
        var flakyStale = 0, flakyFreshAfterStale = false, steadyStale: [String] = []
        rig.step(600) { step in   // 60 s
            guard step > 10 else { return }   // every key has been read once
            for key in PollDemo.keys {
                // No value yet is as unusable as a stale one.
                let stale = demo.lookup(key.name)?.stale ?? true
                if key.flaky {
                    if stale { flakyStale += 1 } else if flakyStale > 0 { flakyFreshAfterStale = true }
                } else if stale {
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
