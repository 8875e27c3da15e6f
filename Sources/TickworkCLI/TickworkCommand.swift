#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import Foundation
import Logging
import Tickwork
import TickworkDashboard
import TickworkDemos
import TickworkJobFile
import TickworkProcess
import TickworkTerminal

/// `tickwork`: the entry point only parses arguments and wires the parts.
public struct TickworkCommand: ParsableCommand {
    public init() {}
    static let version = "0.4.0"
    static let subcommands: [any ParsableCommand.Type] = [DashboardCommand.self, BenchCommand.self, CheckCommand.self, DemosCommand.self,
                                                          HeadlessCommand.self, NextCommand.self, SoakCommand.self,
                                                          ServeCommand.self, AttachCommand.self, StatusCommand.self,
                                                          PauseCommand.self, ResumeCommand.self, CancelCommand.self, RunCommand.self,
                                                          AttachBenchCommand.self, StoreBenchCommand.self, ClusterBenchCommand.self, ApplyCommand.self]
    public static let configuration = CommandConfiguration(
        commandName: "tickwork",
        abstract: "A background scheduler with a live terminal view of its threads, queues and tasks.",
        discussion: """
            With no subcommand, opens the dashboard on the `refresh` demo. The dashboard's own options
            (`tickwork [dashboard] [options]`):

            """ + DashboardCommand.optionsHelp,
        version: version,
        subcommands: subcommands,
        defaultSubcommand: DashboardCommand.self
    )

    /// Words the command line knows as subcommands.
    static var subcommandNames: [String] { subcommands.map { $0._commandName } }

    /// An unknown first word is named, with the real subcommands, rather
    /// than handed to the dashboard as a stray argument.
    public static func main() {
        ProcessMemory.configure()
        let arguments = Array(CommandLine.arguments.dropFirst())
        if let first = arguments.first, !first.hasPrefix("-"), !subcommandNames.contains(first), first != "help" {
            FileHandle.standardError.write(Data("""
                tickwork: unknown command '\(first)'; the commands are: \(subcommandNames.joined(separator: ", ")) (tickwork --help says more)

                """.utf8))
            Glibc.exit(64)
        }
        do {
            var command = try parseAsRoot(arguments)
            try command.run()
        } catch let failure as CleanFailure {
            FileHandle.standardError.write(Data((failure.description + "\n").utf8))
            Glibc.exit(2)
        } catch {
            exit(withOneLine: error)
        }
    }

    /// A usage error as one line on stderr (the message and where the help
    /// is), exit 64; help, `--version` and exit codes as ArgumentParser does them.
    static func exit(withOneLine error: Error) -> Never {
        let code = exitCode(for: error)
        if code == .success || error is ExitCode || error is CleanExit { exit(withError: error) }
        let full = fullMessage(for: error)
        let help = full.range(of: #"See '[^']+'"#, options: .regularExpression).map { "; s" + full[$0].dropFirst() } ?? ""
        FileHandle.standardError.write(Data("tickwork: \(message(for: error))\(help)\n".utf8))
        Glibc.exit(code.rawValue)
    }

    /// What the command line would do with `arguments`, without doing it:
    /// nil if they parse and validate, else the one-line message. The fuzz
    /// harness calls this with arbitrary words.
    public static func check(_ arguments: [String]) -> String? {
        do {
            _ = try parseAsRoot(arguments)
            return nil
        } catch {
            return message(for: error)
        }
    }
}

/// `tickwork headless`: the same engine and demos with no terminal.
struct HeadlessCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "headless",
        abstract: "Run demos without a terminal: a line per interval (text or JSON), then a final summary.")

    @OptionGroup var workload: WorkloadOptions
    @Option(parsing: .unconditional, help: "How long to run, in seconds (more than 0, at most 31536000: a year). Default: until SIGINT, SIGTERM or SIGHUP.")
    var duration: Double?
    @Option(parsing: .unconditional, help: "Seconds between report lines (0.05…86400).")
    var interval = 1.0
    @Flag(help: "One JSON object per line (the last has \"final\": true and the demos' figures).")
    var json = false

    static let durationRange = SecondsInput("--duration", 0...31_536_000, excludingLowerBound: true)
    static let intervalRange = SecondsInput("--interval", 0.05...86_400)

    func validate() throws {
        do {
            if let d = duration { _ = try Self.durationRange.duration(d) }
            _ = try Self.intervalRange.duration(interval)
        } catch { throw ValidationError(error.message) }
    }

    func run() throws {
        SignalRelay.blockForProcess()
        // stdout carries the report; only warnings go to stderr.
        var logger = Logger(label: "tickwork")
        logger.logLevel = .warning
        let started = try workload.start(logger: logger)
        let host = started.host
        defer { CommandRunner.killRemaining() }
        let status = HeadlessRunner.run(engine: host.engine, duration: try duration.map(Self.durationRange.duration),
                                        interval: try Self.intervalRange.duration(interval), json: json,
                                        shutdownDeadline: started.shutdownDeadline,
                                        onHangup: started.session.map { session in { "tickwork headless: " + session.reloadLine() } },
                                        windDown: { host.stopAll(within: .seconds(3)) }) {
            Dictionary(host.reports().map { r in
                (r.name, DemoFigures(r.figures))
            }, uniquingKeysWith: { a, _ in a })
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
