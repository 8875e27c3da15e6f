import Foundation
import Testing
@testable import Tickwork

/// Values a program may take from a person reach the engine's public API:
/// each out-of-range one throws a typed error that says what is wrong,
/// never a trap (each of these trapped before).
@Suite("Input ranges in the engine API")
struct InputRangeTests {
    func submitError(_ schedule: Schedule) throws -> EngineError? {
        let (engine, _) = try manualEngine(workers: 0)
        defer { engine.shutdown() }
        do {
            try engine.submit(JobSpec(name: "j", schedule: schedule) { _ in })
            return nil
        } catch let error as EngineError { return error }
    }

    @Test("schedules out of range are refused at submission, naming the figure")
    func schedules() throws {
        let cases: [(Schedule, String)] = [
            (.every(.zero), "a period must be positive (got 0ns)"),
            (.every(.seconds(-5)), "a period must be positive (got -5s)"),
            (.every(.seconds(Int64.max)), "a period must be at most 100 years"),
            (.fixedDelay(.seconds(-1)), "a delay cannot be negative (got -1s)"),
            (.every(.seconds(1)).jittered(upTo: .seconds(Int64.max)), "a jitter must be at most 100 years"),
            (.every(.seconds(1)).startingAfter(.seconds(Int64.max)), "a start delay must be at most 100 years"),
            (.once(after: .seconds(Int64.max)), "a delay must be at most 100 years"),
        ]
        for (schedule, message) in cases {
            let error = try #require(try submitError(schedule), "\(schedule) was accepted")
            guard case .invalidSchedule(let text) = error else { Issue.record("\(error) is not invalidSchedule"); continue }
            #expect(text.hasPrefix("job 'j': \(message)"), "\(text)")
        }
        #expect(try submitError(.every(.nanoseconds(1))) == nil, "the smallest period is fine")
        #expect(try submitError(.every(Schedule.longestSpan)) == nil, "and so is the longest")
    }

    @Test("Schedule.validate() is the same check, callable before submitting")
    func validateDirectly() {
        #expect(throws: EngineError.invalidSchedule("a period must be positive (got 0ns)")) { try Schedule.every(.zero).validate() }
        #expect(throws: Never.self) { try Schedule.every(.seconds(1)).validate() }
    }

    @Test("a queue with no room, no name or a wild weight is refused")
    func queues() throws {
        #expect(throws: EngineError.invalidConfiguration("queue 'q': capacity must be at least 1 (got 0)")) {
            try RunQueueConfig(name: "q", capacity: 0)
        }
        #expect(throws: EngineError.invalidConfiguration("queue 'q': capacity must be at least 1 (got -3)")) {
            try RunQueueConfig(name: "q", capacity: -3)
        }
        #expect(throws: EngineError.invalidConfiguration("a queue needs a name")) { try RunQueueConfig(name: "") }
        #expect(throws: EngineError.invalidConfiguration("queue 'q': weight must be 1…1000 (got 0)")) {
            try RunQueueConfig(name: "q", weight: 0)
        }
        // The fields are vars: a config broken after init is caught where the engine takes it.
        var later = try RunQueueConfig(name: "later")
        later.capacity = 0
        let (engine, _) = try manualEngine(workers: 0)
        defer { engine.shutdown() }
        #expect(throws: EngineError.invalidConfiguration("queue 'later': capacity must be at least 1 (got 0)")) {
            try engine.addQueue(later)
        }
        #expect(throws: EngineError.self) { try Engine(EngineConfiguration(workers: 0, queues: [later])) }
    }

    @Test("engine settings and pool sizes out of range throw")
    func engineSettings() throws {
        let bad: [(EngineConfiguration, String)] = [
            (EngineConfiguration(workers: -1), "workers must be 0…4096 (got -1)"),
            (EngineConfiguration(workers: 1_000_000), "workers must be 0…4096 (got 1000000)"),
            (EngineConfiguration(workers: 0, timerResolutionShift: 5), "timerResolutionShift must be 10…30 (got 5)"),
            (EngineConfiguration(workers: 0, eventCapacity: 0), "eventCapacity must be 1…10000000 (got 0)"),
            (EngineConfiguration(workers: 0, keepFinishedJobs: -1), "keepFinishedJobs must be 0…10000000 (got -1)"),
        ]
        for (config, message) in bad {
            #expect(throws: EngineError.invalidConfiguration(message)) { try Engine(config) }
        }
        let (engine, _) = try manualEngine(workers: 1)
        defer { engine.shutdown() }
        #expect(throws: EngineError.invalidConfiguration("workers must be 0…4096 (got -1)")) { try engine.setWorkerCount(-1) }
        #expect(throws: EngineError.invalidConfiguration("workers must be 0…4096 (got 9223372036854775807)")) {
            try engine.setWorkerCount(Int.max)
        }
        #expect(engine.workerCount == 1, "a refused size leaves the pool alone")
    }

    @Test("cron steps that would overflow stop after one value", arguments: [
        ("1/9223372036854775807 * * * *", "2026-01-01 00:00", "2026-01-01 00:01"),
        ("0 0 */9223372036854775807 * *", "2026-01-05 00:00", "2026-02-01 00:00"),
        ("0 0 * * 1/9223372036854775807", "2026-01-01 00:00", "2026-01-05 00:00"),   // Monday only
    ])
    func cronHugeSteps(expression: String, after: String, expected: String) throws {
        let utc = TimeZone(identifier: "UTC")!
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX"); f.timeZone = utc; f.dateFormat = "yyyy-MM-dd HH:mm"
        let cron = try CronExpression(parsing: expression, timeZone: utc)
        let next = try #require(cron.nextFire(after: f.date(from: after)!))
        #expect(f.string(from: next) == expected)
    }

    @Test("a step too large for an integer is a parse error, not a trap")
    func cronStepBeyondInt() {
        #expect(throws: CronExpression.ParseError.self) { try CronExpression(parsing: "*/99999999999999999999 * * * *") }
    }

    @Test("a body asking for an absurd delay is clamped to the longest span")
    func hugeAgain() throws {
        let (engine, clock) = try manualEngine(workers: 1)
        defer { engine.shutdown() }
        let t0 = clock.now()
        let id = try engine.submit(JobSpec(name: "far", schedule: .adaptive()) { ctx in ctx.runAgain(after: .seconds(Int64.max)) })
        clock.advance(by: .ms(1)); engine.settle()
        let info = try #require(engine.info(id))
        #expect(info.runs == 1 && info.state == .scheduled)
        #expect(info.nextDueNs == t0 + msNs + Schedule.longestSpan.nanoseconds)
    }

    @Test("formatting the most negative span does not overflow")
    func formatExtremes() {
        #expect(formatNanoseconds(.min).hasPrefix("-"))
        #expect(formatNanoseconds(.max).hasSuffix("m") || formatNanoseconds(.max).hasSuffix("h"))
    }
}

@Suite("Seconds and counts a person typed")
struct SecondsInputTests {
    let interval = SecondsInput("--interval", 0.05...86_400)
    let duration = SecondsInput("--duration", 0...31_536_000, excludingLowerBound: true)

    @Test("values in range become exact nanoseconds")
    func inRange() throws {
        #expect(try interval.nanoseconds(0.05) == 50_000_000)
        #expect(try interval.nanoseconds(86_400) == 86_400 * sNs)
        #expect(try duration.nanoseconds(31_536_000) == 31_536_000 * sNs)
        #expect(try duration.nanoseconds(1e-9) == 1)
    }

    @Test("out of range, infinite, not a number, or rounding to nothing: a message, not a trap", arguments: [
        (1e30, "--interval must be 0.05…86400 seconds (got 1e+30)"),
        (.infinity, "--interval must be 0.05…86400 seconds (got inf)"),
        (-.infinity, "--interval must be 0.05…86400 seconds (got -inf)"),
        (.nan, "--interval must be 0.05…86400 seconds (got nan)"),
        (0.049, "--interval must be 0.05…86400 seconds (got 0.049)"),
        (-1, "--interval must be 0.05…86400 seconds (got -1)"),
    ])
    func refused(value: Double, message: String) {
        #expect(throws: UsageError(message)) { try interval.duration(value) }
    }

    @Test("a bound that excludes zero also refuses what rounds to 0 ns")
    func roundsToZero() {
        #expect(throws: UsageError("--duration must be more than 0 and at most 31536000 seconds (got 0)")) { try duration.duration(0) }
        #expect(throws: UsageError.self) { try duration.duration(1e-10) }
    }

    @Test("counts name their range")
    func counts() throws {
        let jobs = CountInput("--jobs", 1...20)
        #expect(try jobs.check(20) == 20)
        #expect(throws: UsageError("--jobs must be 1…20 (got 21)")) { try jobs.check(21) }
        #expect(throws: UsageError("--jobs must be 1…20 (got -9223372036854775808)")) { try jobs.check(.min) }
    }

    @Test("a job count that cannot fit in memory is refused, saying how many would")
    func memory() throws {
        let fiveGB = 5 << 30
        let refusal = try #require(SystemMemory.refusal(jobs: 50_000_000, option: "--jobs", available: fiveGB))
        #expect(refusal.hasPrefix("--jobs 50000000 needs about 11.2 GB of memory and 5.0 GB is available (about "), "\(refusal)")
        #expect(SystemMemory.refusal(jobs: 1_000_000, option: "--jobs", available: fiveGB) == nil)
        #expect(SystemMemory.refusal(jobs: Int.max, option: "--jobs", available: fiveGB) != nil, "no overflow")
        #expect(SystemMemory.refusal(jobs: 10, option: "--jobs", available: nil) == nil, "unknown memory refuses nothing")
        #expect(SystemMemory.availableBytes() ?? 0 > 0, "this machine's figure is read")
    }
}
