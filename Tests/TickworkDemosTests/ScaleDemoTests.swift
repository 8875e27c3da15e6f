import Testing
import Tickwork
import TickworkDemos

@Suite struct ScaleDemoTests {
    @Test func everyJobRunsOnItsPeriod() throws {
        let clock = ManualClock()
        let engine = Engine(EngineConfiguration(workers: 2, timerResolutionShift: 10, clock: clock))
        defer { _ = engine.shutdown(deadline: .seconds(2)) }
        let demo = ScaleDemo(seed: 1, jobs: 2_000)
        try demo.start(on: engine)
        #expect(engine.snapshot().totalJobs == 2_000)
        // Periods are 1–10 s with phases inside one period: in 10 s every job has run.
        for _ in 0..<100 { clock.advance(by: .milliseconds(100)); engine.settle() }
        let neverRan = engine.jobs(JobQuery(sort: .runs, limit: 1)).jobs.first
        #expect((neverRan?.runs ?? 0) >= 1)
        let runs = Int(demo.figures().first { $0.label == "runs" }!.value)!
        #expect(runs == engine.snapshot().runs)
        #expect(runs >= 2_000)
    }

    @Test func theCatalogBuildsItWithTheJobCount() {
        let demo = DemoCatalog.named("scale")!.make(DemoSettings(seed: 2, jobs: 10)) as! ScaleDemo
        #expect(demo.count == 10)
    }
}
