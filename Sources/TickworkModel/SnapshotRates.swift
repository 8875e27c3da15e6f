/// Rates are a reader's business. A snapshot carries cumulative counters
/// (runs, each worker's busy and CPU nanoseconds, the timer's CPU, each
/// queue's enqueued and dequeued); a reader keeps its own previous snapshot
/// and derives fractions and rates over its own interval. When the engine
/// kept one shared "previous sample", a second observer (another dashboard,
/// a metrics scrape) shortened the first one's interval and corrupted its
/// figures. Pure functions of plain values, any thread.
extension EngineSnapshot {
    /// This snapshot with its rates filled in over the interval since
    /// `previous`, the same reader's last snapshot of the same engine: busy
    /// and CPU fractions per worker and of the timer, runs per second, and
    /// each queue's flow. With no previous one (or no time between them) the
    /// rates stay as the engine left them: zero, `runsPerSecond` nil.
    public func withRates(since previous: EngineSnapshot?) -> EngineSnapshot {
        guard let previous, takenAtNs > previous.takenAtNs else { return self }
        let seconds = Double(takenAtNs - previous.takenAtNs) / 1e9
        var out = self
        out.runsPerSecond = Double(runs - previous.runs) / seconds
        out.timer.cpuFraction = Swift.max(0, Double(timer.cpuNs - previous.timer.cpuNs) / 1e9 / seconds)
        // By worker index: a worker that joined since has no earlier sample
        // and counts from its start (its counters began at zero).
        let before = Dictionary(previous.workers.map { ($0.index, $0) }, uniquingKeysWith: { a, _ in a })
        for i in out.workers.indices {
            let w = out.workers[i]
            let p = before[w.index].map { ($0.busyNs, $0.cpuNs) } ?? (0, 0)
            out.workers[i].busyFraction = Swift.min(1, Swift.max(0, Double(w.busyNs - p.0) / 1e9 / seconds))
            out.workers[i].cpuFraction = Swift.max(0, Double(w.cpuNs - p.1) / 1e9 / seconds)
        }
        let queues = Dictionary(previous.queues.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        for i in out.queues.indices {
            guard let p = queues[out.queues[i].name] else { continue }
            out.queues[i].enqueueRate = Swift.max(0, Double(out.queues[i].enqueued - p.enqueued) / seconds)
            out.queues[i].dequeueRate = Swift.max(0, Double(out.queues[i].dequeued - p.dequeued) / seconds)
        }
        return out
    }
}

/// A reader's own rate sampling: its previous snapshot, and each new one
/// returned with rates over the interval since. One per reader; a value,
/// owned by whoever holds it (no lock).
public struct SnapshotRates: Sendable {
    public private(set) var previous: EngineSnapshot?
    public init() {}

    /// `snapshot` with its rates since this reader's previous one, which it becomes.
    public mutating func next(_ snapshot: EngineSnapshot) -> EngineSnapshot {
        let rated = snapshot.withRates(since: previous)
        previous = snapshot
        return rated
    }
}
