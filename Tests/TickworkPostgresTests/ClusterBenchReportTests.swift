import Testing
import TickworkPostgres

/// The benchmark's arithmetic, on rows made by hand: a tick of a job's
/// grid with no run is missing, a second row for a tick is a tick twice,
/// a tick off the grid is named, and lateness is start − tick.
struct ClusterBenchReportTests {
    typealias Run = ClusterBenchReport.Run
    let second: Int64 = 1_000_000

    func run(_ job: String, _ dueS: Int64, late ms: Int64 = 10, node: String = "n1", state: String = "ended") -> Run {
        Run(job: job, dueUs: dueS * second, node: node, state: state, startedUs: dueS * second + ms * 1000)
    }

    @Test func aWholeGridHasNothingMissing() {
        let runs = (0..<10).map { run("a", $0) } + (0..<5).map { run("b", $0 * 2) }
        let w = ClusterBenchReport.window(Dictionary(grouping: runs, by: \.job), periods: ["a": second, "b": 2 * second],
                                          from: 2 * second, to: 8 * second)
        #expect(w.ticks == 6 + 3)
        #expect(w.missing == 0 && w.twice == 0 && w.offGrid == 0)
        #expect(w.latenessMs.p50 == 10 && w.latenessMs.max == 10)
    }

    @Test func aGapATwiceAndAnOffGridTickAreCounted() {
        var runs = (0..<10).filter { $0 != 4 && $0 != 5 }.map { run("a", $0) }
        runs.append(run("a", 6, late: 500))                                   // twice
        runs.append(Run(job: "a", dueUs: 7 * second + 1, node: "n2", state: "ended", startedUs: nil))   // off the grid
        let w = ClusterBenchReport.window(Dictionary(grouping: runs, by: \.job), periods: ["a": second], from: 0, to: 10 * second)
        #expect(w.missing == 2, "ticks 4 and 5")
        #expect(w.twice == 1 && w.offGrid == 1)
        #expect(w.started == 9 && w.latenessMs.max == 500)
    }

    /// Ticks in the last second of a window may not be claimed yet when
    /// the nodes stop: not missing.
    @Test func theLastSecondIsNotCountedMissing() {
        let runs = (0..<9).map { run("a", $0) }
        let w = ClusterBenchReport.window(["a": runs], periods: ["a": second], from: 0, to: 10 * second)
        #expect(w.missing == 0)
        let short = ClusterBenchReport.window(["a": Array(runs.prefix(7))], periods: ["a": second], from: 0, to: 10 * second)
        #expect(short.missing == 2)
    }

    @Test func aKilledNodesHeldRunsAndTheirRescue() {
        let plan = ClusterBenchPlan(jobs: 2, pminSeconds: 1, pmaxSeconds: 1)
        var runs = (0..<10).map { run("b0", $0, node: "n1") }
        runs += (0..<5).map { run("b1", $0, node: "n2") }
        runs.append(Run(job: "b1", dueUs: 5 * second, node: "n2", state: "interrupted", startedUs: 5 * second + 1000,
                        endedUs: 11 * second))
        runs += (12..<15).map { run("b1", $0, node: "n1") }
        let r = ClusterBenchReport(plan: plan, runs: runs, from: 0, to: 5 * second, nodeCPUSeconds: 1, postgresCPUSeconds: 0.5,
                                   killedNode: "n2", killAtUs: 5 * second + 500_000, untilUs: 15 * second, nodes: 2, workers: 1)
        #expect(r.heldAtDeath == 1)
        #expect(r.rescuedAfterMs == 5500)
        #expect(r.takenOverMs?.max == Double(12 * 1000 + 10 - 5500))
        #expect(r.steady.ticks == 10 && r.nodeCPUPerRunMs == 100)
        #expect(r.lines.contains { $0.contains("n2 killed with SIGKILL") } && r.lines.contains { $0.contains("it held 1 runs not ended") })
    }

    @Test func thePlanSpreadsPeriodsAndFirstTicks() {
        let plan = ClusterBenchPlan(jobs: 10_000, pminSeconds: 5, pmaxSeconds: 15)
        #expect(plan.file.jobs.count == 10_000)
        #expect(plan.periodUs.values.min() == 5 * second && plan.periodUs.values.max() == 15 * second)
        #expect(abs(plan.runsPerSecond - 1099) < 2, "10,000 × ln 3 / 10 s ≈ 1,099 runs a second")
        #expect(plan.file.jobs.allSatisfy { $0.command == .noop })
    }
}
