import Testing
import Tickwork
import TickworkDemos

/// The refresh demo on a manual clock: a minute of demo time in 100 ms
/// steps, each followed by `settle()`; nothing sleeps in real time.
@Suite struct RefreshDemoTests {
    func figure(_ demo: any Demo, _ label: String) -> Int {
        Int(demo.figures().first { $0.label == label }!.value)!
    }

    @Test func keepsAboutThirtyAliveWhileObjectsRefreshAndRetire() throws {
        let clock = ManualClock()
        let engine = Engine(EngineConfiguration(workers: 12, timerResolutionShift: 10, clock: clock))
        let demo = RefreshDemo(seed: 7)
        try demo.start(on: engine)
        let alive = Set(JobState.allCases.filter { !$0.isFinal && $0 != .failed })
        var sawSleeping = false
        var minAlive = Int.max
        for step in 1...600 {
            clock.advance(by: .milliseconds(100))
            engine.settle()
            let snap = engine.snapshot()
            if snap.count(.sleeping) > 0 { sawSleeping = true }
            if step > 50 {   // after the first refreshes have had time to retire some
                let n = engine.jobs(JobQuery(states: alive, group: "refresh", limit: 0)).matching - 1
                minAlive = min(minAlive, n)
            }
        }
        let snap = engine.snapshot()
        #expect(sawSleeping, "refreshing objects show as sleeping")
        #expect(figure(demo, "refreshes") > 100)
        #expect(figure(demo, "retired") > 20, "objects retire")
        #expect(figure(demo, "created") > 50, "new objects arrive")
        // Retirements are topped up every two seconds, so the population
        // dips a little between top-ups but never collapses.
        #expect(minAlive >= 20)
        #expect(snap.errors == 0)
        #expect(figure(demo, "created") == figure(demo, "retired") + figure(demo, "interrupted")
                + engine.jobs(JobQuery(states: alive, group: "refresh", limit: 0)).matching - 1)
        _ = engine.shutdown(deadline: .seconds(2))
    }

    @Test func cancelInterruptsARefreshAtOnce() throws {
        let clock = ManualClock()
        let engine = Engine(EngineConfiguration(workers: 12, timerResolutionShift: 10, clock: clock))
        let demo = RefreshDemo(seed: 3, population: 3)
        try demo.start(on: engine)
        var sleeping: JobInfo?
        for _ in 0..<100 where sleeping == nil {
            clock.advance(by: .milliseconds(100))
            engine.settle()
            sleeping = engine.jobs(JobQuery(states: [.sleeping], limit: 1)).jobs.first
        }
        let job = try #require(sleeping)
        #expect(engine.cancel(job.id))
        engine.settle()   // no clock movement: the cancel alone must end the run
        #expect(engine.info(job.id)?.state == .cancelled)
        #expect(figure(demo, "interrupted") == 1)
        _ = engine.shutdown(deadline: .seconds(2))
    }

    @Test func theCatalogNamesEveryDemo() {
        #expect(DemoCatalog.names.contains("refresh"))
        #expect(DemoCatalog.named("refresh")?.workers == 12)
        #expect(DemoCatalog.named("nope") == nil)
    }
}
