#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import Foundation
import Logging
import Tickwork
import TickworkLink
import TickworkDashboard
import TickworkDemos
import TickworkJobFile
import TickworkProcess
import TickworkStore
import TickworkTerminal

/// `tickwork [dashboard]`: the live dashboard over a running engine. The
/// default subcommand, so `tickwork --demo scale` works; being a subcommand
/// (not the root's own options) keeps its `--jobs` from taking `bench --jobs`.
struct DashboardCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dashboard",
        abstract: "Open the live dashboard (the default). Press ? inside for the keys.")

    @OptionGroup var workload: WorkloadOptions
    @Option(name: .customLong("refresh-hz"), parsing: .unconditional, help: "Screen refreshes per second (0.5…30).")
    var refreshHz = 10.0
    @Option(name: .customLong("log-file"),
            help: "Where logs go (never to the terminal the dashboard owns). Default: $XDG_STATE_HOME/tickwork/tickwork.log.")
    var logFile: String?
    @Flag(name: .customLong("no-color"), help: "No colours (also when NO_COLOR is set).")
    var noColor = false
    @Flag(help: "Draw with ASCII only (also when the locale is not UTF-8).")
    var ascii = false
    @Option(help: "With --file: keep its runs across restarts in a SQLite file: a path, or `default` for the one `serve` uses. Default: memory only.")
    var state: String?
    /// For the end-to-end test of terminal restoration: a job traps after S seconds.
    @Option(name: .customLong("debug-crash-after"), help: .hidden)
    var debugCrashAfter: Double?

    /// The dashboard's options as `--help` lists them, for the root command's help.
    static var optionsHelp: String {
        let text = helpMessage(columns: 100)
        guard let start = text.range(of: "OPTIONS:") else { return "" }
        return String(text[start.upperBound...]).trimmingCharacters(in: .newlines)
    }

    static var defaultLogPath: String {
        let env = ProcessInfo.processInfo.environment
        let base = env["XDG_STATE_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? (env["HOME"].map { $0 + "/.local/state" } ?? "/tmp")
        return base + "/tickwork/tickwork.log"
    }

    static let crashAfterRange = SecondsInput("--debug-crash-after", 0...3600)

    func validate() throws {
        guard (0.5...30).contains(refreshHz) else { throw ValidationError("--refresh-hz must be 0.5…30 (got \(refreshHz))") }
        do { if let s = debugCrashAfter { _ = try Self.crashAfterRange.duration(s) } } catch { throw ValidationError(error.message) }
        if let s = state, s.isEmpty || s == "none" { throw ValidationError("--state needs a path, or default (leave it out for memory only)") }
        if state != nil && workload.file == nil { throw ValidationError("--state keeps a job file's runs: give --file too") }
    }

    /// The headless command for what the person asked: their workload flags, without the dashboard's own.
    static func headlessHint(_ arguments: [String]) -> String {
        let dashboardOnly: Set<String> = ["--refresh-hz", "--log-file", "--debug-crash-after", "--state"]
        let dashboardFlags: Set<String> = ["--no-color", "--ascii", "dashboard"]
        var kept: [String] = [], skip = false
        for a in arguments {
            if skip { skip = false; continue }
            let name = String(a.split(separator: "=", maxSplits: 1).first ?? "")
            if dashboardOnly.contains(name) { skip = !a.contains("="); continue }
            if dashboardFlags.contains(a) { continue }
            kept.append(a.contains(" ") ? "'\(a)'" : a)
        }
        return (["tickwork", "headless"] + kept).joined(separator: " ")
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
        // A bad job file is refused before anything else, terminal or not.
        if let path = workload.file { _ = try WorkloadOptions.loadOrExit(path) }
        if let problem = TerminalCheck.problem() {
            FileHandle.standardError.write(Data("""
                tickwork: cannot open the dashboard: \(problem).
                For output without a terminal, run: \(Self.headlessHint(Array(CommandLine.arguments.dropFirst())))

                """.utf8))
            throw ExitCode(2)
        }
        let utf8 = TerminalCheck.localeIsUTF8()
        let makeHandler: @Sendable (String) -> FileLogHandler
        do { makeHandler = try FileLogHandler.open(path: logFile ?? Self.defaultLogPath, createFolder: logFile == nil) } catch {
            FileHandle.standardError.write(Data("tickwork: \(error)\n".utf8))
            throw ExitCode(2)
        }
        LoggingSystem.bootstrap(makeHandler)
        let logger = Logger(label: "tickwork")

        // Before the engine exists: its threads inherit the signal mask.
        SignalRelay.blockForProcess()
        var stateFile: StateFile?
        let started = try workload.start(logger: logger, store: state.map { choice in { file in
            stateFile = try StateOption.open(StateOption.path(choice == "default" ? nil : choice, jobFile: file.path,
                                                              environment: ProcessInfo.processInfo.environment))
            return stateFile
        } })
        defer { stateFile?.close() }
        let host = started.host
        let engine = host.engine
        if let s = debugCrashAfter {
            try engine.submit(JobSpec(name: "debug.crash", group: "debug", schedule: .once(after: try Self.crashAfterRange.duration(s))) {
                _ in fatalError("deliberate crash (--debug-crash-after)")
            })
        }
        let options = DashboardOptions(
            refreshHz: refreshHz,
            color: !noColor && (ProcessInfo.processInfo.environment["NO_COLOR"] ?? "").isEmpty,
            ascii: ascii || !utf8, shutdownDeadline: started.shutdownDeadline)
        let link = LocalEngineLink(engine: engine, demos: DemoControls(host: host, logger: logger),
                                   commands: started.session.map { CommandControls(session: $0, logger: logger) } ?? CommandControls())
        let outcome = try DashboardApp.run(link: link, options: options, logger: logger)
        let left = CommandRunner.killRemaining()
        if left > 0 { logger.warning("killed command groups still running at exit", metadata: ["groups": "\(left)"]) }
        logger.info("dashboard ended", metadata: ["exit": "\(outcome.exitCode)"])
        return outcome
    }
}

