import Tickwork

/// The engine in this process, as a dashboard (or a socket server answering
/// one) reaches it: samples read the engine, commands call it, and every
/// command says what became of it, naming the task it acted on.
///
/// Threads: any thread; a call takes engine locks and may run a demo's or
/// a job file's control (never on the UI's main loop). Holds no state of
/// its own beyond what it was given.
public final class LocalEngineLink: EngineLink {
    public let engine: Engine
    private let demos: DemoControls
    private let commands: CommandControls

    public init(engine: Engine, demos: DemoControls = DemoControls(), commands: CommandControls = CommandControls()) {
        self.engine = engine; self.demos = demos; self.commands = commands
    }

    public var demoCatalog: [DemoListing] { demos.catalog }
    public var canReload: Bool { commands.reload != nil }

    public func sample(_ r: SampleRequest) -> EngineSample {
        EngineSample(snapshot: engine.snapshot(), page: engine.jobs(r.query),
                     detail: r.detail.flatMap { engine.detail($0) }, runs: r.detail.flatMap(commands.history),
                     events: engine.events(after: r.eventsAfter, limit: r.eventLimit), panels: demos.panels())
    }

    public func perform(_ c: EngineCommand) -> CommandOutcome {
        let (changed, message) = reply(c)
        return CommandOutcome(command: c, changed: changed, message: message)
    }

    public func shutdown(deadline: Duration) -> EngineStopped {
        let report = engine.shutdown(deadline: deadline)
        let abandoned = report.abandonedRunning.map { id in engine.info(id).map { "\($0.name) (\(id))" } ?? "\(id)" }
        return EngineStopped(report: report, abandoned: abandoned)
    }

    private func reply(_ c: EngineCommand) -> (Bool, String?) {
        switch c {
        case .pause(let id): if let r = commands.jobControl?(.pause, id) { return r }
        case .resume(let id): if let r = commands.jobControl?(.resume, id) { return r }
        case .cancel(let id): if let r = commands.jobControl?(.cancel, id) { return r }
        default: break
        }
        switch c {
        case .pause(let id): return job(id, engine.pause(id), done: "paused", nothing: "nothing to pause")
        case .resume(let id): return job(id, engine.resume(id), done: "resumed", nothing: "nothing to resume")
        case .runNow(let id):
            return job(id, engine.runNow(id), done: "running once now (its schedule stays):",
                       nothing: "cannot run now (only a scheduled, retrying or paused task can, with room in its queue)")
        case .cancel(let id): return job(id, engine.cancel(id), done: "cancelled", nothing: "nothing to cancel")
        case .pauseQueue(let name), .resumeQueue(let name):
            // The queue's row shows the change: a line only when refused.
            let pause = c == .pauseQueue(name)
            do { return (try engine.setQueuePaused(name, pause), nil) } catch { return (false, "queue \(name): \(error)") }
        case .pauseAll:
            let n = engine.pauseAll()
            return (n > 0, "paused \(n) task\(n == 1 ? "" : "s") (runs in flight pause when they end); P resumes exactly these")
        case .resumeAll:
            let n = engine.resumeAll()
            return (n > 0, "resumed the \(n) task\(n == 1 ? "" : "s") P paused (tasks paused one by one stay paused)")
        case .setWorkers(let n):
            do { return (try engine.setWorkerCount(n), nil) } catch { return (false, "pool not resized: \(error)") }
        case .launchDemo(let name): return demos.launch(name)
        case .stopDemo(let name): return demos.stop(name)
        case .killRun(let id): return commands.kill(id)
        case .stopRun(let id): return commands.stop(id)
        case .reloadJobFile: return commands.reload?() ?? (false, "no job file to reload (start with --file)")
        }
    }

    /// "paused object-3 (#3)", or why nothing changed ("object-3 (#3): nothing to pause, it is retired").
    private func job(_ id: JobID, _ changed: Bool, done: String, nothing: String) -> (Bool, String) {
        let info = engine.info(id)
        let name = info.map { "\($0.name) (\(id))" } ?? "task \(id)"
        guard changed else { return (false, "\(name): \(nothing), it is \(info?.state.rawValue ?? "gone")") }
        if let info, info.pausePending { return (true, "pausing \(name): its current run finishes first") }
        if let info, info.state == .cancelling { return (true, "cancelling \(name): its running run was told to stop") }
        return (true, "\(done) \(name)")
    }
}
