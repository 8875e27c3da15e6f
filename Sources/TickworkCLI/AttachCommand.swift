#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import Foundation
import Logging
import Tickwork
import TickworkDashboard
import TickworkTerminal
import TickworkWire

/// `tickwork attach [SERVER]`: the dashboard over a server's socket, every
/// key working. `q` detaches (the server goes on), `Q` stops the server
/// (asks first), Ctrl-Z suspends only this dashboard; if the server goes
/// away the dashboard says so and offers to reconnect.
struct AttachCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "attach",
        abstract: "Open the dashboard on a running `tickwork serve` (or an embedding program's agent).")

    @Argument(help: "The server: its pid or its socket's path. Default: the only one running (several: a list to choose from).")
    var server: String?
    @Option(name: .customLong("refresh-hz"), parsing: .unconditional, help: "Screen refreshes per second (0.5…30).")
    var refreshHz = 10.0
    @Option(name: .customLong("log-file"), help: "Where logs go. Default: $XDG_STATE_HOME/tickwork/tickwork.log.")
    var logFile: String?
    @Flag(name: .customLong("no-color"), help: "No colours (also when NO_COLOR is set).")
    var noColor = false
    @Flag(help: "Draw with ASCII only (also when the locale is not UTF-8).")
    var ascii = false

    func validate() throws {
        guard (0.5...30).contains(refreshHz) else { throw ValidationError("--refresh-hz must be 0.5…30 (got \(refreshHz))") }
        if let s = server, s.isEmpty { throw ValidationError("the server must be a pid or a socket's path") }
    }

    func run() throws {
        let outcome = try MainActor.assumeIsolated { try attach() }
        print(outcome.summary)
        Glibc.exit(outcome.exitCode)
    }

    @MainActor
    private func attach() throws -> DashboardOutcome {
        if let problem = TerminalCheck.problem() {
            throw CleanFailure("tickwork: cannot open the dashboard: \(problem). For a one-off listing, run: tickwork status")
        }
        let link = try ServerFinder.connect(server, client: "tickwork attach", choose: ServerFinder.ask)
        let makeHandler: @Sendable (String) -> FileLogHandler
        do {
            makeHandler = try FileLogHandler.open(path: logFile ?? DashboardCommand.defaultLogPath, createFolder: logFile == nil)
        } catch {
            throw CleanFailure("tickwork: \(error)")
        }
        LoggingSystem.bootstrap(makeHandler)
        let logger = Logger(label: "tickwork")
        SignalRelay.blockForProcess()
        let path = link.path
        let hello = link.server
        let options = DashboardOptions(
            refreshHz: refreshHz,
            color: !noColor && (ProcessInfo.processInfo.environment["NO_COLOR"] ?? "").isEmpty,
            ascii: ascii || !TerminalCheck.localeIsUTF8(),
            attached: AttachedServer(path: path, name: hello.name, pid: hello.pid, readOnly: hello.readOnly),
            reconnect: { try RemoteEngineLink(path: path, client: "tickwork attach") })
        logger.info("attaching", metadata: ["socket": "\(path)", "server": "\(hello.name)", "pid": "\(hello.pid)"])
        return try DashboardApp.run(link: link, options: options, logger: logger)
    }
}
