import Testing
import Tickwork
import TickworkDemos

@Suite struct ScaleDemoTests {
    @Test func everyJobRunsOnItsPeriod() throws {
        let rig = try ManualRig(workers: 2)
        defer { rig.shutdown() }
        let demo = ScaleDemo(seed: 1, jobs: 2_000)
        try demo.start(on: rig.engine)
        #expect(rig.engine.snapshot().totalJobs == 2_000)
        // Periods are 1–10 s with phases inside one period: in 10 s every job has run.
        rig.step(100)
        let neverRan = rig.engine.jobs(JobQuery(sort: .runs, limit: 1)).jobs.first
        #expect((neverRan?.runs ?? 0) >= 1)
        let runs = figure(demo, "runs")
        #expect(runs == rig.engine.snapshot().runs)
        #expect(runs >= 2_000)
    }

    @Test func theCatalogBuildsItWithTheJobCount() {
        let demo = DemoCatalog.named("scale")!.make(DemoSettings(seed: 2, jobs: 10)) as! ScaleDemo
        #expect(demo.count == 10)
    }
}
