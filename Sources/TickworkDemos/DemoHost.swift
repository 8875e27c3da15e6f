#if canImport(Glibc)
import Glibc
#endif
import Tickwork

/// The demos running on one engine: launched by name, stopped as a group,
/// their figures read for display. The dashboard (its demos menu) and
/// headless mode both drive demos through it.
///
/// Threads: every method from any thread; `lock` guards `entries`. Engine
/// calls are made outside the lock (a demo's `start` may take a while).
public final class DemoHost: @unchecked Sendable {
    public enum Phase: Sendable, Equatable {
        case running
        /// Asked to stop; some of its jobs have not ended yet.
        case stopping
        /// Every job of its group has ended.
        case stopped
        case failed(String)
        public var word: String {
            switch self {
            case .running: return "running"
            case .stopping: return "stopping"
            case .stopped: return "stopped"
            case .failed(let why): return "failed: \(why)"
            }
        }
    }

    /// One demo as a display shows it.
    public struct Report: Sendable {
        public var name: String
        public var phase: Phase
        public var figures: [DemoFigure]
    }

    public let engine: Engine
    private let settings: DemoSettings
    /// Grow the pool to what a launched demo is written for (off when the
    /// person fixed the pool with `--workers`).
    private let growPool: Bool
    private let lock = Lock()
    /// Each demo and the workers it added to the pool (returned when it stops).
    private var entries: [(name: String, demo: any Demo, phase: Phase, share: Int)] = []

    public init(engine: Engine, settings: DemoSettings = DemoSettings(), growPool: Bool = true) {
        self.engine = engine; self.settings = settings; self.growPool = growPool
    }

    /// The pool size for starting with `names`: the threads each is written
    /// for, added up — side by side, each demo brings its own.
    public static func workers(for names: [String]) -> Int {
        max(1, names.compactMap { DemoCatalog.named($0)?.workers }.reduce(0, +))
    }

    /// Starts the demo `name`; returns a line saying what happened. A demo
    /// already running is left alone; a stopped one starts afresh. Unless
    /// `poolSized` (the engine was made for it: `workers(for:)`), the pool
    /// grows by the threads the demo is written for.
    @discardableResult
    public func launch(_ name: String, poolSized: Bool = false) throws -> String {
        guard let entry = DemoCatalog.named(name) else {
            throw DemoError.unknown(name)
        }
        let busy = lock.withLock { entries.contains { $0.name == name && ($0.phase == .running || $0.phase == .stopping) } }
        if busy { throw DemoError.alreadyRunning(name) }
        var note = ""
        let share = growPool ? entry.workers : 0
        if growPool && !poolSized {
            let size = min(256, engine.workerCount + share)
            try engine.setWorkerCount(size)
            note = " (pool grown to \(size) workers)"
        }
        let demo = entry.make(settings)
        var phase = Phase.running
        do { try demo.start(on: engine) } catch {
            phase = .failed("\(error)")
            demo.stop(on: engine)
        }
        lock.withLock {
            entries.removeAll { $0.name == name }
            entries.append((name, demo, phase, share))
        }
        if case .failed(let why) = phase { throw DemoError.startFailed(name, why) }
        return "started demo \(name)\(note)"
    }

    /// Stops the demo `name` (its jobs cancelled, or wound down); returns
    /// whether it was running and a line saying what happened.
    @discardableResult
    public func stop(_ name: String) -> (stopped: Bool, line: String) {
        let found: (any Demo, Int)? = lock.withLock {
            guard let i = entries.firstIndex(where: { $0.name == name && $0.phase == .running }) else { return nil }
            entries[i].phase = .stopping
            defer { entries[i].share = 0 }
            return (entries[i].demo, entries[i].share)
        }
        guard let (demo, share) = found else { return (false, "demo \(name) is not running") }
        demo.stop(on: engine)
        guard share > 0 else { return (true, "stopping demo \(name)") }
        // Its threads go back: busy ones leave after their current run.
        let size = max(1, engine.workerCount - share)
        do { try engine.setWorkerCount(size) } catch { return (true, "stopping demo \(name) (pool not resized: \(error))") }
        return (true, "stopping demo \(name) (pool back to \(size) workers)")
    }

    /// Stops every running demo and waits, up to `within`, for their jobs
    /// to end (so a draining pipeline finishes its queue). Returns true if
    /// they all ended in time.
    @discardableResult
    public func stopAll(within: Duration) -> Bool {
        for name in lock.withLock({ entries.filter { $0.phase == .running }.map(\.name) }) { stop(name) }
        let deadline = monotonicNanoseconds() + within.nanoseconds
        while true {
            if reports().allSatisfy({ $0.phase != .stopping }) { return true }
            if monotonicNanoseconds() >= deadline { return false }
            var pause = timespec(tv_sec: 0, tv_nsec: 20_000_000)
            nanosleep(&pause, nil)
        }
    }

    /// Every demo launched so far, in launch order. A stopping demo turns
    /// `stopped` once no job of its group is left alive.
    public func reports() -> [Report] {
        let current = lock.withLock { entries }
        var out: [Report] = []
        for e in current {
            var phase = e.phase
            if phase == .stopping && liveJobCount(of: e.demo.group, in: engine) == 0 {
                phase = .stopped
                lock.withLock {
                    if let i = entries.firstIndex(where: { $0.demo === e.demo }) { entries[i].phase = .stopped }
                }
            }
            out.append(Report(name: e.name, phase: phase, figures: e.demo.figures()))
        }
        return out
    }
}

/// Why a demo could not be launched.
public enum DemoError: Error, CustomStringConvertible, Equatable {
    case unknown(String)
    case alreadyRunning(String)
    case startFailed(String, String)
    public var description: String {
        switch self {
        case .unknown(let n): return "unknown demo '\(n)'; the demos are: \(DemoCatalog.names.joined(separator: ", "))"
        case .alreadyRunning(let n): return "demo \(n) is already running (stop it first)"
        case .startFailed(let n, let why): return "demo \(n) failed to start: \(why)"
        }
    }
}
