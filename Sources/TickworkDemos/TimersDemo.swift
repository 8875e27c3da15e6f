import Synchronization
import Tickwork

/// Many one-shot timers (seed 002's `threading.Timer`, seed 004's
/// Tasklets): every second a spawner sets 10 timers, each to fire 0.5–4 s
/// later, and cancels about a third of those still pending. A timer is
/// settled exactly once — fired or cancelled — decided by one
/// compare-and-swap, so a cancel that races the firing never counts twice:
/// fired + cancelled + pending == created, always; once all have settled,
/// fired + cancelled == created.
public final class TimersDemo: Demo, @unchecked Sendable {
    public let group = "timers"
    public let perSecond: Int
    private let random: DemoRandom
    /// Guards `pending` and `stopped`.
    private let lock = Lock()
    /// Timers not yet settled, by job.
    private var pending: [JobID: Timer] = [:]
    /// Set by `stop`: a spawner run still in flight creates no more timers
    /// (one made after stop had settled the rest would stay pending for ever).
    private var stopped = false
    private let created = Atomic<Int>(0)
    private let fired = Atomic<Int>(0)
    private let cancelled = Atomic<Int>(0)

    /// One timer's fate: 0 pending, 1 fired, 2 cancelled.
    final class Timer: Sendable {
        let fate = Atomic<Int>(0)
        func settle(as outcome: Int) -> Bool { fate.compareExchange(expected: 0, desired: outcome, ordering: .relaxed).exchanged }
    }

    public init(seed: UInt64? = nil, perSecond: Int = 10) {
        random = DemoRandom(seed: seed)
        self.perSecond = max(1, perSecond)
    }

    public func start(on engine: Engine) throws {
        try engine.submit(JobSpec(name: "timers.spawner", group: group, schedule: .every(.seconds(1))) { [weak self, weak engine] ctx in
            guard let self, let engine else { return }
            try self.spawnAndCancel(on: engine, ctx)
        })
    }

    private func spawnAndCancel(on engine: Engine, _ ctx: JobContext) throws {
        // Cancel about a third of the timers still pending, as a program
        // would on a change of mind (a reply that came in before its timeout).
        let victims: [(JobID, Timer)] = lock.withLock {
            pending.filter { _ in random.unit() < 0.33 }.map { ($0.key, $0.value) }
        }
        var cancelledNow = 0
        for (id, timer) in victims where timer.settle(as: 2) {
            _ = engine.cancel(id)
            cancelled.add(1, ordering: .relaxed)
            lock.withLock { _ = pending.removeValue(forKey: id) }
            cancelledNow += 1
        }
        for _ in 0..<perSecond {
            let delay = random.milliseconds(500...4000)
            let timer = Timer()
            // Registered before it can fire, so the firing always finds it;
            // counted and made under the lock `stop` takes, so none slips past it.
            let made: Bool = try lock.withLock {
                guard !stopped else { return false }
                let n = created.add(1, ordering: .relaxed).newValue
                let id = try engine.submit(JobSpec(name: "timer-\(n)", group: group, schedule: .once(after: delay)) {
                    [weak self, weak engine] ctx in self?.fire(timer, ctx.jobID, engine)
                })
                pending[id] = timer
                return true
            }
            if !made { break }
        }
        ctx.status("set \(perSecond), cancelled \(cancelledNow)")
    }

    private func fire(_ timer: Timer, _ id: JobID, _ engine: Engine?) {
        guard timer.settle(as: 1) else {
            // Cancelled first: it must not fire. The cancel may land only
            // after this run returns; cancelling its own job here makes the
            // job end cancelled either way, never retired.
            _ = engine?.cancel(id)
            return
        }
        fired.add(1, ordering: .relaxed)
        lock.withLock { _ = pending.removeValue(forKey: id) }
    }

    /// Stopping cancels every timer still pending, then the jobs.
    public func stop(on engine: Engine) {
        let left = lock.withLock { stopped = true; let l = pending; pending.removeAll(); return l }
        for (_, timer) in left where timer.settle(as: 2) { cancelled.add(1, ordering: .relaxed) }
        _ = engine.cancelGroup(group)
    }

    public var counts: (created: Int, fired: Int, cancelled: Int, pending: Int) {
        (created.load(ordering: .relaxed), fired.load(ordering: .relaxed), cancelled.load(ordering: .relaxed),
         lock.withLock { pending.count })
    }

    public func figures() -> [DemoFigure] {
        let c = counts
        return [DemoFigure("created", c.created), DemoFigure("fired", c.fired),
                DemoFigure("cancelled", c.cancelled), DemoFigure("pending", c.pending)]
    }
}
