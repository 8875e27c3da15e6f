import Tickwork
import TickworkDashboard

/// The dashboard's link to the engine: one thread that, at the refresh rate
/// or at once when poked, applies the UI's commands to the engine and
/// samples a frame (snapshot, the visible window of jobs, the open detail,
/// new events) into the mailbox. The main loop never calls the engine, so it
/// never waits on an engine lock, and a slow query (a sorted window over a
/// million jobs) delays only the next frame, never a key press.
///
/// Threads: the public methods from any thread (the main loop); the loop on
/// its own thread. `lock` guards every `var` below it.
public final class Sampler: @unchecked Sendable {
    private let engine: Engine
    private let mailbox: Mailbox
    private let demos: DemoControls
    private let commandControls: CommandControls
    private let lock = Lock()
    private let wake = Condition()
    private var request: ViewRequest
    private var commands: [DashboardCommand] = []
    private var intervalNs: Int64
    private var poked = false
    private var stopping = false
    private var shutdownStarted = false

    init(engine: Engine, mailbox: Mailbox, request: ViewRequest, hz: Double,
         demos: DemoControls, commands: CommandControls = CommandControls()) {
        self.engine = engine; self.mailbox = mailbox; self.request = request; self.demos = demos
        self.commandControls = commands
        intervalNs = Self.interval(hz)
    }

    private static func interval(_ hz: Double) -> Int64 { Int64(1e9 / min(max(hz, 0.2), 60)) }

    func start() {
        startThread(name: "tw-sampler") { [self] in loop() }
    }

    /// The view changed: sample for this request now.
    func update(_ r: ViewRequest) {
        lock.withLock { request = r; poked = true; wake.signal() }
    }

    /// Engine commands to apply, in order, before the next sample.
    func send(_ c: [DashboardCommand]) {
        guard !c.isEmpty else { return }
        lock.withLock { commands += c; poked = true; wake.signal() }
    }

    func setRefresh(hz: Double) { lock.withLock { intervalNs = Self.interval(hz); wake.signal() } }

    /// Starts the engine's graceful shutdown on a thread of its own; sampling
    /// goes on meanwhile (the screen shows what is still running) and the
    /// report arrives as `.stopped`.
    func beginShutdown(deadline: Duration) {
        let first: Bool = lock.withLock { let f = !shutdownStarted; shutdownStarted = true; return f }
        guard first else { return }
        startThread(name: "tw-shutdown") { [engine, mailbox] in
            let report = engine.shutdown(deadline: deadline)
            let abandoned = report.abandonedRunning.map { id in engine.info(id).map { "\($0.name) (\(id))" } ?? "\(id)" }
            mailbox.post(.stopped(report, abandoned: abandoned))
        }
    }

    func stop() { lock.withLock { stopping = true; wake.signal() } }

    private func loop() {
        var lastSeq: UInt64 = 0
        // This dashboard's own previous sample: its rates are over its own frames.
        var rates = SnapshotRates()
        var nextAt = monotonicNanoseconds()
        while true {
            lock.lock()
            while !poked && !stopping && monotonicNanoseconds() < nextAt {
                wake.wait(lock, untilMonotonicNs: nextAt)
            }
            if stopping { lock.unlock(); return }
            let r = request, todo = commands
            commands.removeAll()
            poked = false
            nextAt = monotonicNanoseconds() + intervalNs
            lock.unlock()

            let notices = todo.compactMap(apply)
            let t0 = monotonicNanoseconds()
            let snapshot = rates.next(engine.snapshot())
            let page = engine.jobs(r.query)
            let detail = r.detail.flatMap { engine.detail($0) }
            let runs = r.detail.flatMap(commandControls.history)
            let batch = engine.events(after: lastSeq, limit: 2000)
            lastSeq = batch.lastSeq
            let frame = DashboardFrame(snapshot: snapshot, page: page, query: r.query, detail: detail, detailRequested: r.detail,
                                       events: batch.events, missedEvents: batch.missed, panels: demos.panels(),
                                       sampleNs: monotonicNanoseconds() - t0, notices: notices, runs: runs)
            mailbox.post(.frame(frame))
        }
    }

    /// Applies one command to the engine; returns the engine's answer as a
    /// line for the person, naming the task it acted on.
    private func apply(_ c: DashboardCommand) -> String? {
        switch c {
        case .pause(let id): return jobNotice(id, engine.pause(id), done: "paused", nothing: "nothing to pause")
        case .resume(let id): return jobNotice(id, engine.resume(id), done: "resumed", nothing: "nothing to resume")
        case .runNow(let id):
            return jobNotice(id, engine.runNow(id), done: "running once now (its schedule stays):",
                             nothing: "cannot run now (only a scheduled, retrying or paused task can, with room in its queue)")
        case .cancel(let id): return jobNotice(id, engine.cancel(id), done: "cancelled", nothing: "nothing to cancel")
        case .pauseQueue(let name): try? engine.setQueuePaused(name, true)
        case .resumeQueue(let name): try? engine.setQueuePaused(name, false)
        case .pauseAll:
            let n = engine.pauseAll()
            return "paused \(n) task\(n == 1 ? "" : "s") (runs in flight pause when they end); P resumes exactly these"
        case .resumeAll:
            let n = engine.resumeAll()
            return "resumed the \(n) task\(n == 1 ? "" : "s") P paused (tasks paused one by one stay paused)"
        case .setWorkers(let n):
            do { try engine.setWorkerCount(n) } catch { return "pool not resized: \(error)" }
        case .launchDemo(let name): return demos.launch(name)
        case .stopDemo(let name): return demos.stop(name)
        case .killRun(let id): return commandControls.kill(id)
        case .stopRun(let id): return commandControls.stop(id)
        case .reloadJobFile: return commandControls.reload?() ?? "no job file to reload (start with --file)"
        case .resample, .quit, .forceQuit, .redraw, .setRefreshHz, .suspend: break   // the main loop's own
        }
        return nil
    }

    /// "paused object-3 (#3)", or why nothing changed ("object-3 (#3): nothing to pause, it is retired").
    private func jobNotice(_ id: JobID, _ changed: Bool, done: String, nothing: String) -> String {
        let info = engine.info(id)
        let name = info.map { "\($0.name) (\(id))" } ?? "task \(id)"
        guard changed else { return "\(name): \(nothing), it is \(info?.state.rawValue ?? "gone")" }
        if let info, info.pausePending { return "pausing \(name): its current run finishes first" }
        if let info, info.state == .cancelling { return "cancelling \(name): its running run was told to stop" }
        return "\(done) \(name)"
    }
}
