#if canImport(Glibc)
import Glibc
#endif
import Logging
import Tickwork
import TickworkDashboard

/// How the dashboard runs.
public struct DashboardOptions: Sendable {
    public var refreshHz: Double
    public var color: Bool
    public var ascii: Bool
    public var shutdownDeadline: Duration
    /// Attached to a server (`tickwork attach`): q detaches, Q stops it.
    public var attached: AttachedServer?
    /// Attached: makes a new link when the person asks to reconnect.
    public var reconnect: (@Sendable () throws -> any EngineLink)?
    public init(refreshHz: Double = 10, color: Bool = true, ascii: Bool = false, shutdownDeadline: Duration = .seconds(5),
                attached: AttachedServer? = nil, reconnect: (@Sendable () throws -> any EngineLink)? = nil) {
        self.refreshHz = refreshHz; self.color = color; self.ascii = ascii; self.shutdownDeadline = shutdownDeadline
        self.attached = attached; self.reconnect = reconnect
    }
}

/// How the dashboard ended.
public struct DashboardOutcome: Sendable {
    /// The process exit status to use (0 after q; 128+n after a signal).
    public var exitCode: Int32
    /// One line for the terminal once it is restored.
    public var summary: String
}

/// The one main loop, on the real main thread: wait on stdin and the
/// mailbox's pipe, fold keys and frames into the state, hand engine commands
/// to the sampler, draw. Synchronous on purpose: an async main would move
/// the UI off the main thread on Linux (DECISIONS.md).
@MainActor
public enum DashboardApp {
    /// True when stdin (the terminal) reports a hang-up.
    static func terminalHungUp() -> Bool {
        var fd = pollfd(fd: 0, events: Int16(POLLIN), revents: 0)
        _ = poll(&fd, 1, 0)
        return fd.revents & Int16(POLLHUP | POLLERR | POLLNVAL) != 0
    }

    /// Runs until quit. `SignalRelay.blockForProcess()` must have run before
    /// the engine started its threads.
    public static func run(link: any EngineLink, options: DashboardOptions, logger: Logger) throws -> DashboardOutcome {
        let mailbox = Mailbox()
        SignalRelay.start(posting: mailbox)
        SignalRelay.unblockResizeHere()
        let terminal = try Terminal(color: options.color)
        var state = DashboardState(width: terminal.width, height: terminal.height,
                                   glyphs: options.ascii ? .ascii : .unicode, refreshHz: options.refreshHz,
                                   demoCatalog: link.demoCatalog)
        state.canReload = link.canReload
        state.attached = options.attached
        var sampler = Sampler(link: link, mailbox: mailbox, request: state.request, hz: options.refreshHz)
        sampler.start()
        logger.info("dashboard started", metadata: ["size": "\(terminal.width)x\(terminal.height)"])

        var outcome: DashboardOutcome?
        var dirty = true
        /// Messages that arose while handling others (after a suspend).
        var deferred: [DashboardMessage] = []
        while outcome == nil {
            if dirty {
                terminal.draw(DashboardView.render(state))
                dirty = false
            }
            var fds = [pollfd(fd: 0, events: Int16(POLLIN), revents: 0),
                       pollfd(fd: mailbox.wakeFD, events: Int16(POLLIN), revents: 0)]
            _ = poll(&fds, 2, deferred.isEmpty ? 1000 : 0)   // EINTR after SIGWINCH is expected: the keys say "resize"
            // The terminal went away without a SIGHUP reaching us (or before
            // it does): poll would report it forever, so leave as for SIGHUP.
            if fds[0].revents & Int16(POLLHUP | POLLERR | POLLNVAL) != 0 {
                logger.notice("the terminal hung up: leaving")
                outcome = DashboardOutcome(exitCode: 128 + SIGHUP, summary: "tickwork: the terminal hung up")
                break
            }
            var messages = deferred
            deferred.removeAll()
            let (keys, resized) = terminal.readKeys()
            if resized { messages.append(.resize(width: terminal.width, height: terminal.height)) }
            messages += keys.map { .key($0) }
            for m in mailbox.drain() {
                switch m {
                case .frame(let f): messages.append(.frame(f))
                case .stopped(let stopped):
                    let report = stopped.report
                    outcome = DashboardOutcome(exitCode: 0, summary: describe(report, abandoned: stopped.abandoned,
                                                                               options.ascii ? .ascii : .unicode))
                    logger.info("engine stopped", metadata: ["clean": "\(report.isClean)",
                                                             "abandoned": "\(stopped.abandoned.joined(separator: ", "))",
                                                             "threads_left": "\(report.abandonedThreads)"])
                case .linkFailed(let why) where options.attached != nil && !state.quitting:
                    // Say so and offer to reconnect; the screen keeps the last frame.
                    logger.error("the link to the server failed", metadata: ["why": "\(why)"])
                    messages.append(.serverLost(why))
                case .linkFailed(let why):
                    logger.error("the link to the engine failed", metadata: ["why": "\(why)"])
                    outcome = DashboardOutcome(exitCode: 1, summary: "tickwork: lost the engine: \(why)")
                case .signal(let s):
                    switch s {
                    case SIGINT: messages.append(.interrupt)
                    case SIGTSTP: messages.append(.suspendRequested(atNs: monotonicNanoseconds()))
                    // With a job file, SIGHUP reloads it, unless the terminal
                    // itself hung up (then leave, as without one).
                    case SIGHUP where link.canReload && !Self.terminalHungUp():
                        logger.notice("SIGHUP: reloading the job file")
                        sampler.send([.reloadJobFile])
                    default:
                        logger.notice("signal \(s): leaving")
                        outcome = DashboardOutcome(exitCode: 128 + s, summary: "tickwork: stopped by signal \(s)")
                    }
                }
            }
            for m in messages {
                dirty = true
                for command in state.update(m) {
                    switch command {
                    case .quit:
                        logger.info("quit requested: shutting the engine down")
                        sampler.beginShutdown(deadline: options.shutdownDeadline)
                    case .forceQuit:
                        outcome = DashboardOutcome(exitCode: 0, summary: "tickwork: quit without waiting for running jobs")
                    case .detach:
                        let server = options.attached.map { "\($0.name) (pid \($0.pid))" } ?? "the server"
                        outcome = DashboardOutcome(exitCode: 0, summary: "tickwork: detached; \(server) goes on")
                    case .reconnect:
                        do {
                            guard let make = options.reconnect else { throw RemoteLinkUnavailable() }
                            let fresh = try make()
                            sampler.stop()
                            sampler = Sampler(link: fresh, mailbox: mailbox, request: state.request, hz: state.refreshHz)
                            sampler.start()
                            deferred.append(.reconnected)
                            logger.notice("reconnected to the server")
                        } catch {
                            deferred.append(.serverLost("\(error)"))
                        }
                    case .redraw: terminal.invalidate()
                    case .setRefreshHz(let hz): sampler.setRefresh(hz: hz)
                    case .suspend:
                        logger.notice(options.attached != nil ? "suspended: the server's jobs go on"
                                                              : "suspended: every job stops until the process continues")
                        let stoppedAt = monotonicNanoseconds()
                        terminal.suspend()
                        let held = monotonicNanoseconds() - stoppedAt
                        logger.notice("continued after \(held / 1_000_000) ms suspended")
                        // Folded in on the next turn, so their commands (a resample) are carried out.
                        deferred += [.resize(width: terminal.width, height: terminal.height),
                                     .resumedFromSuspend(afterNs: held)]
                    case .resample: sampler.update(state.request)
                    case .engine(let c):
                        logger.info("command \(c)")
                        sampler.send([c])
                    }
                }
            }
        }
        sampler.stop()
        terminal.restore()
        return outcome!
    }

    /// No way to reconnect was given.
    struct RemoteLinkUnavailable: Error, CustomStringConvertible {
        var description: String { "this dashboard cannot reconnect" }
    }

    /// The last line printed: how long stopping took, and every run it abandoned, by name.
    nonisolated public static func describe(_ r: ShutdownReport, abandoned: [String], _ g: Glyphs) -> String {
        var s = "tickwork: stopped in \(Format.duration(r.elapsedNs, g))"
        if !r.cancelledQueued.isEmpty { s += "; \(r.cancelledQueued.count) queued runs cancelled" }
        if !abandoned.isEmpty {
            s += "; abandoned \(abandoned.count) running job\(abandoned.count == 1 ? "" : "s") (their threads were still busy): "
                + abandoned.joined(separator: ", ")
        } else if r.abandonedThreads > 0 {
            s += "; \(r.abandonedThreads) thread\(r.abandonedThreads == 1 ? "" : "s") had not ended"
        }
        return s
    }
}
