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
        subcommands: [BenchCommand.self, DemosCommand.self]
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
        for name in demos where DemoCatalog.named(name) == nil {
            throw ValidationError("unknown demo '\(name)'; the demos are: \(DemoCatalog.names.joined(separator: ", "))")
        }
        if let w = workers, !(1...256).contains(w) { throw ValidationError("--workers must be 1…256 (got \(w))") }
        if let j = jobs, !(1...10_000_000).contains(j) { throw ValidationError("--jobs must be 1…10000000 (got \(j))") }
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
        let entries = (demos.isEmpty ? ["refresh"] : demos).compactMap(DemoCatalog.named)
        let engine = Engine(EngineConfiguration(workers: workers ?? entries.first?.workers ?? 4))
        var running: [(String, any Demo)] = []
        for entry in entries {
            let demo = entry.make(DemoSettings(seed: seed, jobs: jobs))
            try demo.start(on: engine)
            running.append((entry.name, demo))
            logger.info("demo started", metadata: ["demo": "\(entry.name)"])
        }
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
