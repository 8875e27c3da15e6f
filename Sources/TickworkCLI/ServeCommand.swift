#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import Foundation
import Logging
import Tickwork
import TickworkLink
import TickworkMetrics
import TickworkProcess
import TickworkStore
import TickworkPostgres
import TickworkTerminal
import TickworkWire

/// `tickwork serve`: an engine with no terminal, listening on a Unix socket
/// for dashboards (`tickwork attach`), `tickwork status` and the control
/// commands. SIGTERM or SIGINT stop it gracefully (the shutdown report on
/// stdout); SIGHUP reloads the job file; a client's stop key stops it too.
struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run an engine without a terminal and serve it on a Unix socket (attach with `tickwork attach`).")

    @OptionGroup var workload: WorkloadOptions
    @Option(help: "The socket's path. Default: $XDG_RUNTIME_DIR/tickwork/<pid>.sock, else /tmp/tickwork-<uid>/<pid>.sock.")
    var socket: String?
    @Flag(help: "Refuse every command and the stop key: clients may only watch.")
    var readonly = false
    @Option(help: "With --file: where runs are kept across restarts (a SQLite file), or `none`. Default: $XDG_STATE_HOME/tickwork/<file>-<hash>.sqlite.")
    var state: String?
    @Option(help: "Share one schedule with other nodes through PostgreSQL (postgresql://…): --file's jobs are applied to it, and this node runs its share.")
    var store: String?
    @Option(help: "This node's name in the cluster. Default: HOST:PID.")
    var node: String?
    @Option(help: "Serve GET /metrics (Prometheus text) on HOST:PORT, e.g. 127.0.0.1:9464.")
    var metrics: String?
    @Option(name: .customLong("metrics-jobs"), parsing: .unconditional,
            help: "Jobs with series of their own in /metrics, the first by id (0…100000; default 1000).")
    var metricsJobs = PrometheusText.defaultJobCap

    func validate() throws {
        if let m = metrics { do { _ = try MetricsServer.parse(m) } catch { throw ValidationError("--metrics \(error)") } }
        guard (0...100_000).contains(metricsJobs) else { throw ValidationError("--metrics-jobs must be 0…100000 (got \(metricsJobs))") }
        if let s = state, s.isEmpty { throw ValidationError("--state needs a path, or none") }
        if state != nil && workload.file == nil { throw ValidationError("--state keeps a job file's runs: give --file too") }
        if state != nil && store != nil { throw ValidationError("--state is one machine's; a cluster keeps its runs in --store") }
        if node != nil && store == nil { throw ValidationError("--node names this node in a cluster: give --store too") }
        if let n = node, n.isEmpty || n.count > 200 { throw ValidationError("--node needs a name of 1…200 characters") }
        if let s = socket {
            if s.isEmpty { throw ValidationError("--socket needs a path") }
            if s.utf8.count > UnixSocket.maximumPathBytes {
                throw ValidationError("--socket: a socket path is at most \(UnixSocket.maximumPathBytes) bytes (this one is \(s.utf8.count))")
            }
        }
    }

    func run() throws {
        SignalRelay.blockForProcess()
        var logger = Logger(label: "tickwork")
        logger.logLevel = .warning
        // Where it listens is settled first: nothing starts (or joins a
        // cluster) that a bad socket folder would then leave behind.
        let path = try socketPath()
        var stateFile: StateFile?
        let started = try workload.start(logger: logger, store: store != nil ? nil : { file in
            stateFile = try StateOption.open(StateOption.path(state, jobFile: file.path, environment: ProcessInfo.processInfo.environment))
            return stateFile
        }, cluster: store != nil)
        defer { stateFile?.close() }
        let host = started.host, engine = host.engine
        let cluster = try store.map { try ClusterServe.join($0, file: workload.file, engine: engine, node: node, say: say) }
        var demos = DemoControls(host: host, logger: logger)
        if let cluster {
            // The cluster's panel after the demos': every node, and the
            // latest runs with the node that ran each.
            let own = demos.panels
            demos.panels = { own() + [cluster.panel()] }
        }
        var commands = started.session.map { CommandControls(session: $0, logger: logger) } ?? CommandControls()
        if let cluster {
            // A task's keys act on its job in the whole cluster; a cancel
            // also stops this node's run of it.
            commands.jobControl = { verb, id in
                guard let job = engine.info(id)?.name, let kind = ClusterControl.Verb(rawValue: verb.rawValue) else { return nil }
                if verb == .cancel { _ = engine.cancel(id) }
                return cluster.control(kind, job: job, togglingPause: true)   // `p` resumes a job paused there
            }
        }
        let link = LocalEngineLink(engine: engine, demos: demos, commands: commands)
        let stoppedByClient = StopBox()
        let server = EngineServer(link: link, path: path, name: describe(), readOnly: readonly) { stopped in
            stoppedByClient.set(stopped)
            // Wakes the main thread's wait (TERM is blocked in every thread;
            // the box says it was a client).
            kill(getpid(), SIGTERM)
        }
        do { try server.start() } catch {
            cluster?.stopClaiming()
            _ = engine.shutdown(deadline: .seconds(1))
            cluster?.leave()
            throw CleanFailure("tickwork serve: \(error)")
        }
        var metricsServer: MetricsServer?
        if let metrics {
            do {
                let m = try MetricsServer(link: link, address: metrics, jobCap: metricsJobs)
                try m.start()
                metricsServer = m
                say("tickwork serve: metrics at http://\(m.host):\(m.port)/metrics")
            } catch {
                server.stop()
                cluster?.stopClaiming()
                _ = engine.shutdown(deadline: .seconds(1))
                cluster?.leave()
                throw CleanFailure("tickwork serve: --metrics \(error)")
            }
        }
        defer { metricsServer?.stop() }
        if let stateFile { say("tickwork serve: " + Self.describe(stateFile, jobs: started.session?.jobIDs.count ?? 0)) }
        if let done = started.session?.ranBefore, !done.isEmpty {
            say("tickwork serve: left out (their at: instant passed and they ran before): " + done.sorted().joined(separator: ", "))
        }
        say("tickwork serve: listening on \(path) (pid \(getpid())\(readonly ? ", read-only" : "")); attach with: tickwork attach \(getpid())")
        let signal = waitForStop(onHangup: started.session.map { session in { "tickwork serve: " + session.reloadLine() } })
        server.stop()
        cluster?.stopClaiming()
        defer { CommandRunner.killRemaining() }
        let stopped: EngineStopped
        if let byClient = stoppedByClient.value {
            stopped = byClient
            say("tickwork serve: stopped by a client")
        } else {
            _ = host.stopAll(within: .seconds(3))
            stopped = link.shutdown(deadline: started.shutdownDeadline)
            say("tickwork serve: stopping on \(signal == SIGINT ? "SIGINT" : "SIGTERM")")
        }
        cluster?.leave()
        say(DashboardApp.describe(stopped.report, abandoned: stopped.abandoned, .ascii))
        stateFile?.close()
        if let problem = stateFile?.health { say("tickwork serve: state: \(problem)") }
        if !stopped.report.isClean { throw ExitCode(3) }
    }

    /// `state in PATH (1 run a stop cut off is marked interrupted)`.
    static func describe(_ store: StateFile, jobs: Int) -> String {
        let cut = store.interruptedAtOpen
        return "state in \(store.location)" + (cut == 0 ? "" : " (\(cut) run\(cut == 1 ? "" : "s") cut off by the last stop marked interrupted)")
    }

    /// `--socket`, or the default in this user's private folder.
    private func socketPath() throws -> String {
        if let socket { return socket }
        let folder = ServerDirectory.path(environment: ProcessInfo.processInfo.environment)
        do { try ServerDirectory.prepare(folder) } catch { throw CleanFailure("tickwork serve: \(error)") }
        return ServerDirectory.socketPath(pid: getpid(), in: folder)
    }

    /// What this server runs, for the clients' hello ("jobs.yaml + demo refresh").
    private func describe() -> String {
        var parts: [String] = []
        if let f = workload.file { parts.append((f as NSString).lastPathComponent) }
        let demos = workload.demos.isEmpty && workload.file == nil ? ["refresh"] : workload.demos
        if !demos.isEmpty { parts.append("demo " + demos.joined(separator: ", ")) }
        return parts.joined(separator: " + ")
    }

    /// Waits for SIGTERM (also a client's stop) or SIGINT; SIGHUP reloads
    /// the job file. Returns the signal. They are blocked in every thread
    /// (`SignalRelay.blockForProcess`), so only this wait takes them.
    private func waitForStop(onHangup: (() -> String)?) -> Int32 {
        var set = sigset_t()
        sigemptyset(&set)
        for s in [SIGINT, SIGTERM, SIGHUP] { sigaddset(&set, s) }
        while true {
            var sig: Int32 = 0
            guard sigwait(&set, &sig) == 0 else { continue }
            if sig == SIGHUP {
                say(onHangup?() ?? "tickwork serve: SIGHUP: no job file to reload")
                continue
            }
            return sig
        }
    }

    private func say(_ line: String) {
        print(line)
        fflush(nil)
    }
}

/// The engine a client stopped, handed from its thread to the main one.
final class StopBox: @unchecked Sendable {
    private let lock = Lock()
    private var stopped: EngineStopped?
    func set(_ s: EngineStopped) { lock.withLock { stopped = s } }
    var value: EngineStopped? { lock.withLock { stopped } }
}

/// A failure already phrased for the person: one line on stderr, exit 2.
struct CleanFailure: Error, CustomStringConvertible {
    let description: String
    init(_ line: String) { description = line }
}
