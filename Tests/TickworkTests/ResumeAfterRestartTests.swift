import Foundation
import Testing
@testable import Tickwork

/// A job that an earlier process last ran for some tick (a state file
/// says when) goes on from there: ticks that fell due while no process ran
/// go through the job's missed-tick policy, on a manual clock.
@Suite struct ResumeAfterRestartTests {
    static let utc = TimeZone(identifier: "UTC")!

    /// The engine's wall clock now, and the first runs' wall times (seconds
    /// after `start`) of one job submitted with `schedule`.
    final class Rig {
        let start: Date
        let clock: ManualClock
        let engine: Engine
        let runs = Recorder<Double>()
        var id = JobID(0)
        init(wall: String) throws {
            let f = DateFormatter()
            f.dateFormat = "yyyy-MM-dd HH:mm:ss"
            f.timeZone = ResumeAfterRestartTests.utc
            start = f.date(from: wall)!
            clock = ManualClock(start: 1_000_000_000, wall: start)
            engine = try Engine(EngineConfiguration(workers: 2, timerResolutionShift: 10, clock: clock))
        }
        func submit(_ schedule: Schedule) throws {
            let clock = clock, start = start, runs = runs
            id = try engine.submit(JobSpec(name: "job", schedule: schedule) { _ in
                runs.add(clock.wallNow().timeIntervalSince(start))
            })
        }
        /// Unix ns of `seconds` before the start.
        func wallNs(secondsBefore seconds: Double) -> Int64 {
            Int64(((start.timeIntervalSince1970 - seconds) * 1e9).rounded())
        }
        func run(seconds: Int) {
            for _ in 0..<(seconds * 10) { clock.advance(by: .milliseconds(100)); engine.settle() }
        }
        var times: [Int] { runs.all.map { Int($0.rounded(.down)) } }
        var misses: Int { engine.detail(id)?.info.misses ?? -1 }
    }

    /// Starts the rig at `wall`, submits `schedule` resumed after the tick
    /// `secondsBefore` the start, runs `seconds`, and checks the runs' times
    /// and the misses counted.
    func expectRuns(at wall: String, _ schedule: Schedule, lastTickSecondsBefore before: Double, running seconds: Int,
                    want: [Int], misses: Int) throws {
        let rig = try Rig(wall: wall)
        defer { rig.engine.shutdown() }
        try rig.submit(schedule.resuming(afterTickAtWallNanoseconds: rig.wallNs(secondsBefore: before)))
        rig.run(seconds: seconds)
        #expect(rig.times == want)
        #expect(rig.misses == misses)
    }

    @Test("every 60s, last run 150 s before start: the grid goes on at 30 s; missed ticks by the policy",
          arguments: [(MissedTickPolicy.skip, [30, 90], 2), (.runOnceLate, [0, 30, 90], 1), (.catchUp, [0, 0, 30, 90], 0),
                      (.reanchor, [0, 60], 1)])
    func everyKeepsItsGrid(policy: MissedTickPolicy, want: [Int], misses: Int) throws {
        try expectRuns(at: "2026-12-01 10:00:00", .every(.seconds(60), missed: policy), lastTickSecondsBefore: 150, running: 100,
                       want: want, misses: misses)
    }

    @Test("every 60s, last run 20 s before start: nothing was missed, the next run is 40 s on")
    func nothingMissed() throws {
        try expectRuns(at: "2026-12-01 10:00:00", .every(.seconds(60), missed: .runOnceLate), lastTickSecondsBefore: 20, running: 50,
                       want: [40], misses: 0)
    }

    @Test("cron every 5 minutes, last run for 09:40, started 10:02:30: by the policy",
          arguments: [(MissedTickPolicy.runOnceLate, [0, 150], 3), (.skip, [150], 4), (.catchUp, [0, 0, 0, 0, 150], 0)])
    func cronFollowsItsPolicy(policy: MissedTickPolicy, want: [Int], misses: Int) throws {
        // 09:45, 09:50, 09:55 and 10:00 fell due while no process ran.
        let expr = try CronExpression(parsing: "*/5 * * * *", timeZone: Self.utc)
        try expectRuns(at: "2026-12-01 10:02:30", .cron(expr, missed: policy), lastTickSecondsBefore: 22 * 60 + 30, running: 160,
                       want: want, misses: misses)
    }

    @Test("cron whose last run was for the latest fire time: no run at start-up")
    func cronUpToDate() throws {
        let expr = try CronExpression(parsing: "*/5 * * * *", timeZone: Self.utc)
        try expectRuns(at: "2026-12-01 10:02:30", .cron(expr), lastTickSecondsBefore: 150, running: 160, want: [150], misses: 0)
    }
}
