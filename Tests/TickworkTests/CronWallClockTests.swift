import Foundation
import Testing
@testable import Tickwork

/// Cron on the wall clock: steps of the clock and suspends (a manual clock
/// whose wall moves apart from its monotonic reading), and DST days run
/// through the engine minute by minute.
@Suite("Cron follows the wall clock")
struct CronWallClockTests {
    static let utc = TimeZone(identifier: "UTC")!
    static let newYork = TimeZone(identifier: "America/New_York")!

    /// An engine on a manual clock whose wall reads `wall` now, and one cron
    /// job that records the wall time of each run.
    final class Rig {
        let clock: ManualClock
        let engine: Engine
        let runs = Recorder<Date>()
        var id = JobID(0)
        init(wall: String, zone: TimeZone = CronWallClockTests.utc) throws {
            clock = ManualClock(start: 1_000_000_000, wall: Self.date(wall, zone))
            engine = try Engine(EngineConfiguration(workers: 2, timerResolutionShift: 10, clock: clock))
        }
        /// The job whose runs `times` and `misses` read.
        func add(_ expr: String, zone: TimeZone = CronWallClockTests.utc, missed: MissedTickPolicy = .runOnceLate) throws {
            id = try add(expr, zone: zone, missed: missed, recordingInto: runs)
        }
        /// Another job, recording into its own list.
        @discardableResult
        func add(_ expr: String, zone: TimeZone = CronWallClockTests.utc, missed: MissedTickPolicy = .runOnceLate,
                 recordingInto runs: Recorder<Date>) throws -> JobID {
            let clock = clock
            return try engine.submit(JobSpec(name: expr, schedule: .cron(CronExpression(parsing: expr, timeZone: zone), missed: missed)) { _ in
                runs.add(clock.wallNow())
            })
        }
        /// Moves the monotonic clock (and the wall with it) minute by minute.
        func run(minutes: Int) {
            for _ in 0..<minutes { clock.advance(by: .seconds(60)); engine.settle() }
        }
        /// Lets runs due at once start: a run due now starts when the
        /// timer's current slot ends (1 µs here), so the clock moves a
        /// few milliseconds, one at a time.
        func nudge() {
            for _ in 0..<10 { clock.advance(by: .milliseconds(1)); engine.settle() }
        }
        func times(_ zone: TimeZone = CronWallClockTests.utc, of recorder: Recorder<Date>? = nil) -> [String] {
            let f = DateFormatter()
            f.dateFormat = "HH:mm"
            f.timeZone = zone
            return (recorder ?? runs).all.map { f.string(from: $0) }
        }
        var misses: Int { engine.detail(id)?.info.misses ?? -1 }
        static func date(_ text: String, _ zone: TimeZone) -> Date {
            let f = DateFormatter()
            f.dateFormat = "yyyy-MM-dd HH:mm:ss"
            f.timeZone = zone
            return f.date(from: text)!
        }
    }

    @Test("a clock stepped forward an hour: the fire times it jumped over go through the missed-tick policy",
          arguments: [(MissedTickPolicy.runOnceLate, ["01:05", "01:15"], 3), (.skip, ["01:15"], 4), (.catchUp, ["01:05", "01:05", "01:05", "01:05", "01:15"], 0)])
    func forwardHour(policy: MissedTickPolicy, want: [String], misses: Int) throws {
        let rig = try Rig(wall: "2026-12-01 00:00:30")
        defer { rig.engine.shutdown() }
        try rig.add("*/15 * * * *", missed: policy)
        rig.run(minutes: 5)                       // 00:05:30, nothing due yet
        rig.clock.jumpWall(by: .seconds(3600))   // 01:05:30: 00:15, 00:30, 00:45, 01:00 passed unseen
        rig.nudge()
        rig.run(minutes: 10)                      // through 01:15:30
        #expect(rig.times() == want)
        #expect(rig.misses == misses)
        let moved = rig.engine.events(after: 0).events.filter { $0.kind == .clockChanged }.map(\.message)
        #expect(moved == ["wall clock moved +1h; 1 cron job planned again" + (misses > 0 ? ", \(misses) fire times missed" : "")])
    }

    @Test("a clock set back an hour: a fixed-time job does not run twice, a wildcard job follows the clock")
    func backwardHour() throws {
        let fixed = try Rig(wall: "2026-12-01 10:00:30")
        defer { fixed.engine.shutdown() }
        try fixed.add("30 10 * * *")
        fixed.run(minutes: 31)                    // ran at 10:30
        fixed.clock.jumpWall(by: .seconds(-3600))
        fixed.run(minutes: 70)                    // 09:31 → 10:41: 10:30 comes again
        #expect(fixed.times() == ["10:30"])

        let wild = try Rig(wall: "2026-12-01 10:00:30")
        defer { wild.engine.shutdown() }
        try wild.add("*/20 * * * *")
        wild.run(minutes: 31)                     // 10:20
        wild.clock.jumpWall(by: .seconds(-3600))  // 09:31
        wild.run(minutes: 30)                     // 09:40, 10:00
        #expect(wild.times() == ["10:20", "09:40", "10:00"])
    }

    @Test("jumps of a day and more: forward runs once for what passed; back more than 3 h follows the clock for every job")
    func dayJumps() throws {
        let rig = try Rig(wall: "2026-12-01 10:00:30")
        defer { rig.engine.shutdown() }
        try rig.add("0 12 * * *")
        rig.clock.jumpWall(by: .seconds(25 * 3600))   // 2026-12-02 11:00:30: the 1st's noon passed
        rig.nudge()
        rig.run(minutes: 61)                          // the 2nd's noon
        #expect(rig.times() == ["11:00", "12:00"])
        #expect(rig.misses == 0)
        rig.clock.jumpWall(by: .seconds(-25 * 3600))  // back to the 1st, 11:01:30
        rig.run(minutes: 60)                          // the 1st's noon again: a clock set, not a DST step
        #expect(rig.times() == ["11:00", "12:00", "12:00"])
    }

    @Test("a 10-minute suspend: one run on resume for the fire times slept through, then on time; interval jobs stay on the monotonic clock")
    func suspend() throws {
        let rig = try Rig(wall: "2026-12-01 00:01:00")
        defer { rig.engine.shutdown() }
        try rig.add("*/5 * * * *")
        let ticks = Recorder<Int64>()
        let clock = rig.clock
        try rig.engine.submit(JobSpec(name: "interval", schedule: .every(.seconds(120))) { _ in ticks.add(clock.now()) })
        rig.run(minutes: 2)                               // 00:03; the interval job ran at 0 and 120 s
        rig.clock.suspend(for: .seconds(600))             // wall 00:13; the monotonic clock stood still
        rig.nudge()
        #expect(rig.times() == ["00:13"])                 // for 00:05 and 00:10, once
        #expect(rig.misses == 1)
        rig.run(minutes: 2)                               // 00:15
        #expect(rig.times() == ["00:13", "00:15"])
        // On its monotonic grid, due at 1, 121 and 241 s, as if no one had
        // slept (the first started when the clock first moved, at 61 s).
        let t = ticks.all
        #expect(t.count == 3 && (121_000_000_000..<122_000_000_000).contains(t[1]) && (241_000_000_000..<242_000_000_000).contains(t[2]))
    }

    @Test("New York, spring forward: the skipped 02:30 runs once right after the gap, 02:05 at 03:00 beside 03:05")
    func springForward() throws {
        let rig = try Rig(wall: "2026-03-08 00:00:30", zone: Self.newYork)
        defer { rig.engine.shutdown() }
        try rig.add("30 2 * * *", zone: Self.newYork)
        let other = Recorder<Date>()
        try rig.add("5 0-4 * * *", zone: Self.newYork, recordingInto: other)
        rig.run(minutes: 4 * 60)   // 00:00 EST → 05:00 EDT: four real hours
        #expect(rig.times(Self.newYork) == ["03:00"])
        #expect(rig.times(Self.newYork, of: other) == ["00:05", "01:05", "03:00", "03:05", "04:05"])
    }

    @Test("New York, fall back: a fixed-time job runs once in the repeated hour, a wildcard job in both passes")
    func fallBack() throws {
        let rig = try Rig(wall: "2026-11-01 00:30:30", zone: Self.newYork)
        defer { rig.engine.shutdown() }
        try rig.add("*/20 * * * *", zone: Self.newYork)
        let fixed = Recorder<Date>()
        try rig.add("30 1 * * *", zone: Self.newYork, recordingInto: fixed)
        rig.run(minutes: 3 * 60)   // 00:30 EDT → 02:30 EST: three real hours
        #expect(rig.times(Self.newYork) == ["00:40", "01:00", "01:20", "01:40", "01:00", "01:20", "01:40", "02:00", "02:20"])
        #expect(fixed.count == 1)
    }
}
