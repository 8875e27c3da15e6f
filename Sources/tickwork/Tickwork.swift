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

/// `tickwork`: the live dashboard over a running engine (the default), plus
/// subcommands. The entry point only parses arguments and wires the parts.
@main
struct TickworkCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tickwork",
        abstract: "A background scheduler with a live terminal view of its threads, queues and tasks.",
        discussion: "With no subcommand, opens the dashboard on the `refresh` demo. Press ? inside for the keys.",
        subcommands: [BenchCommand.self, DemosCommand.self, HeadlessCommand.self]
    )

    @Option(name: .customLong("demo"), help: "A demo workload to run (repeatable). Default: refresh. See `tickwork demos`.")
    var demos: [String] = []
    @Option(help: "Worker threads. Default: what the first demo is written for.")
    var workers: Int?
    @Option(name: .customLong("refresh-hz"), help: "Screen refreshes per second (0.5…30).")
    var refreshHz = 10.0
    @Option(name: .customLong("log-file"), help: "Where logs go (never to the terminal the dashboard owns).")
    var logFile: String = TickworkCommand.defaultLogPath
    @Option(help: "Seed for the demos' random draws (repeatable runs).")
    var seed: UInt64?
    @Option(help: "Jobs, for demos that take a count (scale; default 100000).")
    var jobs: Int?
    @Flag(name: .customLong("no-color"), help: "No colours (also when NO_COLOR is set).")
    var noColor = false
    @Flag(help: "Draw with ASCII only (also when the locale is not UTF-8).")
    var ascii = false
    /// For the end-to-end test of terminal restoration: a job traps after S seconds.
    @Option(name: .customLong("debug-crash-after"), help: .hidden)
    var debugCrashAfter: Double?

    static var defaultLogPath: String {
        let env = ProcessInfo.processInfo.environment
        let base = env["XDG_STATE_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? (env["HOME"].map { $0 + "/.local/state" } ?? "/tmp")
        return base + "/tickwork/tickwork.log"
    }

    func validate() throws {
        try validateDemoOptions(demos, workers: workers, jobs: jobs)
        guard (0.5...30).contains(refreshHz) else { throw ValidationError("--refresh-hz must be 0.5…30 (got \(refreshHz))") }
    }

    func run() throws {
        let outcome = try MainActor.assumeIsolated { try runDashboard() }
        if let outcome {
            print(outcome.summary)
            Glibc.exit(outcome.exitCode)
        }
    }

    @MainActor
    private func runDashboard() throws -> DashboardOutcome? {
        if let problem = TerminalCheck.problem() {
            FileHandle.standardError.write(Data("""
                tickwork: cannot open the dashboard: \(problem).
                For output without a terminal, run: tickwork headless --demo refresh --duration 10

                """.utf8))
            throw ExitCode(2)
        }
        let utf8 = TerminalCheck.localeIsUTF8()
        let makeHandler: @Sendable (String) -> FileLogHandler
        do { makeHandler = try FileLogHandler.open(path: logFile) } catch {
            FileHandle.standardError.write(Data("tickwork: \(error)\n".utf8))
            throw ExitCode(2)
        }
        LoggingSystem.bootstrap(makeHandler)
        let logger = Logger(label: "tickwork")

        // Before the engine exists: its threads inherit the signal mask.
        SignalRelay.blockForProcess()
        let (engine, running) = try startDemos(demos, workers: workers, settings: DemoSettings(seed: seed, jobs: jobs),
                                               logger: logger)
        if let s = debugCrashAfter {
            try engine.submit(JobSpec(name: "debug.crash", group: "debug", schedule: .once(after: .milliseconds(Int64(s * 1000)))) {
                _ in fatalError("deliberate crash (--debug-crash-after)")
            })
        }
        let shownDemos = running
        let options = DashboardOptions(
            refreshHz: refreshHz,
            color: !noColor && (ProcessInfo.processInfo.environment["NO_COLOR"] ?? "").isEmpty,
            ascii: ascii || !utf8)
        let outcome = try DashboardApp.run(engine: engine, options: options, logger: logger) {
            shownDemos.map { name, demo in
                DemoPanel(title: name, items: demo.figures().map { "\($0.label) \($0.value)" })
            }
        }
        logger.info("dashboard ended", metadata: ["exit": "\(outcome.exitCode)"])
        return outcome
    }
}

/// Starts an engine sized for the first demo (or `workers`) and the demos
/// named (default: refresh). Shared by the dashboard and headless mode.
func startDemos(_ names: [String], workers: Int?, settings: DemoSettings,
                logger: Logger) throws -> (Engine, [(String, any Demo)]) {
    let entries = (names.isEmpty ? ["refresh"] : names).compactMap(DemoCatalog.named)
    let engine = Engine(EngineConfiguration(workers: workers ?? entries.first?.workers ?? 4))
    var running: [(String, any Demo)] = []
    for entry in entries {
        let demo = entry.make(settings)
        try demo.start(on: engine)
        running.append((entry.name, demo))
        logger.info("demo started", metadata: ["demo": "\(entry.name)"])
    }
    return (engine, running)
}

/// Checks demo names and sizes, for both commands.
func validateDemoOptions(_ demos: [String], workers: Int?, jobs: Int?) throws {
    for name in demos where DemoCatalog.named(name) == nil {
        throw ValidationError("unknown demo '\(name)'; the demos are: \(DemoCatalog.names.joined(separator: ", "))")
    }
    if let w = workers, !(1...256).contains(w) { throw ValidationError("--workers must be 1…256 (got \(w))") }
    if let j = jobs, !(1...10_000_000).contains(j) { throw ValidationError("--jobs must be 1…10000000 (got \(j))") }
}

/// `tickwork headless`: the same engine and demos with no terminal.
struct HeadlessCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "headless",
        abstract: "Run demos without a terminal: a line per interval (text or JSON), then a final summary.")

    @Option(name: .customLong("demo"), help: "A demo workload to run (repeatable). Default: refresh.")
    var demos: [String] = []
    @Option(help: "Worker threads. Default: what the first demo is written for.")
    var workers: Int?
    @Option(help: "How long to run, seconds.")
    var duration: Double
    @Option(help: "Seconds between report lines.")
    var interval = 1.0
    @Flag(help: "One JSON object per line (the last has \"final\": true and the demos' figures).")
    var json = false
    @Option(help: "Seed for the demos' random draws.")
    var seed: UInt64?
    @Option(help: "Jobs, for demos that take a count (scale).")
    var jobs: Int?

    func validate() throws {
        try validateDemoOptions(demos, workers: workers, jobs: jobs)
        guard duration > 0, duration <= 31_536_000 else { throw ValidationError("--duration must be positive (got \(duration))") }
        guard interval >= 0.05 else { throw ValidationError("--interval must be at least 0.05 s (got \(interval))") }
    }

    func run() throws {
        SignalRelay.blockForProcess()
        // stdout carries the report; only warnings go to stderr.
        var logger = Logger(label: "tickwork")
        logger.logLevel = .warning
        let (engine, running) = try startDemos(demos, workers: workers, settings: DemoSettings(seed: seed, jobs: jobs),
                                               logger: logger)
        let status = HeadlessRunner.run(engine: engine, durationS: duration, intervalS: interval, json: json) {
            Dictionary(running.map { name, demo in (name, demo.figures().map { ($0.label, $0.value) }) },
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
