import Testing
import Tickwork
import TickworkDemos

/// The refresh demo on a manual clock: a minute of demo time in 100 ms
/// steps, each followed by `settle()`; nothing sleeps in real time.
@Suite struct RefreshDemoTests {
    @Test func keepsAboutThirtyAliveWhileObjectsRefreshAndRetire() throws {
        let rig = try ManualRig(workers: 12)
        defer { rig.shutdown() }
        let engine = rig.engine
        let demo = RefreshDemo(seed: 7)
        try demo.start(on: engine)
        let alive = Set(JobState.allCases.filter { !$0.isFinal && $0 != .failed })
        var sawSleeping = false
        var minAlive = Int.max
        rig.step(600) { step in
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
    }

    @Test func cancelInterruptsARefreshAtOnce() throws {
        let rig = try ManualRig(workers: 12)
        defer { rig.shutdown() }
        let engine = rig.engine
        let demo = RefreshDemo(seed: 3, population: 3)
        try demo.start(on: engine)
        var sleeping: JobInfo?
        rig.step(until: {
            sleeping = engine.jobs(JobQuery(states: [.sleeping], limit: 1)).jobs.first
            return sleeping != nil
        }, limit: 100)
        let job = try #require(sleeping)
        #expect(engine.cancel(job.id))
        engine.settle()   // no clock movement: the cancel alone must end the run
        #expect(engine.info(job.id)?.state == .cancelled)
        #expect(figure(demo, "interrupted") == 1)
    }

    @Test func theCatalogNamesEveryDemo() {
        #expect(DemoCatalog.names.contains("refresh"))
        #expect(DemoCatalog.named("refresh")?.workers == 12)
        #expect(DemoCatalog.named("nope") == nil)
    }
}
