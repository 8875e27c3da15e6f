#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import Foundation
import Logging
import Tickwork
import TickworkDashboard
import TickworkDemos
import TickworkTerminal

/// `tickwork`: the entry point only parses arguments and wires the parts.
@main
struct TickworkCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tickwork",
        abstract: "A background scheduler with a live terminal view of its threads, queues and tasks.",
        discussion: "With no subcommand, opens the dashboard on the `refresh` demo.",
        subcommands: [DashboardCommand.self, BenchCommand.self, DemosCommand.self, HeadlessCommand.self],
        defaultSubcommand: DashboardCommand.self
    )
}

/// The options both the dashboard and headless mode take: which demos, how
/// many workers, a seed, a job count.
struct WorkloadOptions: ParsableArguments {
    @Option(name: .customLong("demo"), help: "A demo workload to run (repeatable). Default: refresh. See `tickwork demos`.")
    var demos: [String] = []
    @Option(help: "Worker threads. Default: what the demos are written for, added up.")
    var workers: Int?
    @Option(help: "Seed for the demos' random draws (repeatable runs).")
    var seed: UInt64?
    @Option(help: "Jobs, for demos that take a count (scale; default 100000).")
    var jobs: Int?

    func validate() throws {
        for name in demos where DemoCatalog.named(name) == nil {
            throw ValidationError("unknown demo '\(name)'; the demos are: \(DemoCatalog.names.joined(separator: ", "))")
        }
        if let w = workers, !(1...256).contains(w) { throw ValidationError("--workers must be 1…256 (got \(w))") }
        if let j = jobs, !(1...10_000_000).contains(j) { throw ValidationError("--jobs must be 1…10000000 (got \(j))") }
    }

    /// Starts an engine with a pool for the largest of the demos named
    /// (default: refresh), or `--workers`, and starts the demos.
    func start(logger: Logger) throws -> DemoHost {
        var names: [String] = []
        for name in demos.isEmpty ? ["refresh"] : demos where !names.contains(name) { names.append(name) }
        let engine = Engine(EngineConfiguration(workers: workers ?? DemoHost.workers(for: names)))
        let host = DemoHost(engine: engine, settings: DemoSettings(seed: seed, jobs: jobs), growPool: workers == nil)
        for name in names {
            try host.launch(name, poolSized: true)
            logger.info("demo started", metadata: ["demo": "\(name)"])
        }
        return host
    }
}

/// `tickwork headless`: the same engine and demos with no terminal.
struct HeadlessCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "headless",
        abstract: "Run demos without a terminal: a line per interval (text or JSON), then a final summary.")

    @OptionGroup var workload: WorkloadOptions
    @Option(help: "How long to run, seconds.")
    var duration: Double
    @Option(help: "Seconds between report lines.")
    var interval = 1.0
    @Flag(help: "One JSON object per line (the last has \"final\": true and the demos' figures).")
    var json = false

    func validate() throws {
        guard duration > 0, duration <= 31_536_000 else { throw ValidationError("--duration must be positive (got \(duration))") }
        guard interval >= 0.05 else { throw ValidationError("--interval must be at least 0.05 s (got \(interval))") }
    }

    func run() throws {
        SignalRelay.blockForProcess()
        // stdout carries the report; only warnings go to stderr.
        var logger = Logger(label: "tickwork")
        logger.logLevel = .warning
        let host = try workload.start(logger: logger)
        let status = HeadlessRunner.run(engine: host.engine, durationS: duration, intervalS: interval, json: json,
                                        windDown: { host.stopAll(within: .seconds(3)) }) {
            Dictionary(host.reports().map { r in (r.name, r.figures.map { ($0.label, $0.value) }) },
                       uniquingKeysWith: { a, _ in a })
        }
        if status != 0 { throw ExitCode(status) }
    }
}

/// `tickwork demos`: lists every demo with a line about it.
struct DemosCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "demos", abstract: "List the demo workloads.")
    func run() {
        let width = DemoCatalog.names.map(\.count).max() ?? 0
        for d in DemoCatalog.all {
            print(d.name.padding(toLength: width + 2, withPad: " ", startingAt: 0) + d.summary)
        }
    }
}
