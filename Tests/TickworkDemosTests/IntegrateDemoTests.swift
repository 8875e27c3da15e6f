import Testing
import Tickwork
import TickworkDemos

/// Integration on a manual clock (the pauses between trials are engine
/// time; the sums are real work on real threads): the split result matches
/// π to 1e-6 for every thread count, and a speed-up is measured.
@Suite struct IntegrateDemoTests {
    @Test func splitResultMatchesTheExactValue() throws {
        let rig = try ManualRig(workers: 3)
        defer { rig.shutdown() }
        let demo = IntegrateDemo(maxThreads: 3, points: 300_000)
        try demo.start(on: rig.engine)
        rig.step(until: { demo.latest.results.count == 3 }, limit: 100)
        let results = demo.latest.results
        #expect(results.keys.sorted() == [1, 2, 3])
        for (k, r) in results { #expect(abs(r - IntegrateDemo.exact) < 1e-6, "\(k) threads: \(r)") }
        let l = demo.latest
        #expect(l.threads == 3)
        #expect((l.speedup ?? 0) > 0)
        #expect(l.wallNs.count == 3)
        let slices = rig.engine.jobs(JobQuery(states: [.retired], group: "integrate", limit: 10)).jobs
        #expect(slices.count == 6 && slices.allSatisfy { $0.errors == 0 }, "1 + 2 + 3 slices")
        let shown = figures(of: demo)
        #expect(shown["threads"] == "3" && Double(shown["exact"]!) == Double.pi)
        #expect(abs(Double(shown["result"]!)! - Double.pi) < 1e-6)
    }
}
