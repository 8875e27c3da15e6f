import ArgumentParser
import Foundation
import Tickwork
import TickworkJobFile

/// `tickwork check FILE…`: validates job files and starts nothing.
struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Check job files: exit 0 when valid, else 1 with every problem as FILE:LINE:COLUMN: message.")

    @Argument(help: "Job files (YAML).")
    var files: [String]

    func validate() throws {
        if files.isEmpty { throw ValidationError("name a job file to check (tickwork check jobs.yaml)") }
    }

    func run() throws {
        var bad = 0
        for path in files {
            switch JobFileParser.load(path: path) {
            case .success(let file):
                print("\(path): valid: \(file.jobs.count) job\(file.jobs.count == 1 ? "" : "s"), \(file.queues.count) queue\(file.queues.count == 1 ? "" : "s")"
                      + (file.workers.map { ", \($0) workers" } ?? ""))
                for job in file.jobs { print("  \(job.name): \(job.scheduleText)\(job.retriesText): \(job.commandText)") }
            case .failure(let errors):
                bad += 1
                FileHandle.standardError.write(Data((errors.description + "\n").utf8))
            }
        }
        if bad > 0 { throw ExitCode(1) }
    }
}

/// `tickwork next FILE` or `tickwork next --cron EXPR`: when jobs will run.
struct NextCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "next",
        abstract: "Print when each job of a file (or a cron expression) runs next: local time and UTC.",
        discussion: """
            With --cron, one RFC 3339 instant in UTC a line. Cron is Vixie cron's: when both day fields are \
            restricted a day matching either runs; 7 is Sunday; in a DST gap a fixed-time job runs once \
            right after it, in an overlap only in the first pass (jobs with * in the minute or hour run in both).
            """)

    @Argument(help: "A job file.")
    var file: String?
    @Option(help: "A 5-field cron expression instead of a file.")
    var cron: String?
    @Option(help: "The time zone for --cron (default: the local one), e.g. Europe/Berlin.")
    var tz: String?
    @Option(help: "Start from this instant (e.g. 2026-03-08T00:00 local, or …Z) instead of now.")
    var from: String?
    @Option(parsing: .unconditional, help: "How many instants per job (1…1000).")
    var count = 5

    func validate() throws {
        if (file == nil) == (cron == nil) { throw ValidationError("give a job file or --cron EXPR (one of the two)") }
        _ = try CountInput("--count", 1...1000).check(count)
        if tz != nil && cron == nil { throw ValidationError("--tz goes with --cron (a file's jobs carry their own timezone:)") }
        if let tz, TimeZone(identifier: tz) == nil { throw ValidationError("--tz: unknown time zone '\(tz)' (use a name such as Europe/Berlin or UTC)") }
        _ = try startInstant()
        if let cron { _ = try expression(cron) }
    }

    func expression(_ text: String) throws -> CronExpression {
        do { return try CronExpression(parsing: text, timeZone: tz.flatMap(TimeZone.init(identifier:)) ?? .current) } catch {
            throw ValidationError("--cron: \(error)")
        }
    }

    func startInstant() throws -> Date {
        guard let from else { return Date() }
        let zone = tz.flatMap(TimeZone.init(identifier:)) ?? .current
        guard let date = JobFileParser.instant(from, zone: zone) else {
            throw ValidationError("--from: '\(from)' is not an instant such as 2026-12-24T18:00 or 2026-12-24T18:00:00Z")
        }
        return date
    }

    func run() throws {
        let start = try startInstant()
        if let cron {
            let expr = try expression(cron)
            for date in NextRuns.instants(of: expr, after: start, count: count) { print(NextRuns.utcText(date)) }
            return
        }
        let jobFile = try WorkloadOptions.loadOrExit(file!, now: start)
        for job in jobFile.jobs {
            print("\(job.name): \(job.scheduleText)")
            for date in NextRuns.instants(of: job, from: start, count: count) {
                print("  \(NextRuns.localText(date, zone: job.zone))  \(NextRuns.utcText(date))")
            }
            if let note = NextRuns.note(for: job) { print("  (\(note))") }
        }
    }
}
