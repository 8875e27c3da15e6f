/// A bounded ring of recent events, and how many changes of each kind
/// there have been (a batch counts its size). A reader asks for "events
/// since N" and is told how many it missed if the ring wrapped past them.
///
/// Thread-safety: `lock` guards everything; `record` holds it for a few
/// stores, so any thread may record. A job's transitions are recorded
/// under its stripe lock (the log's lock nests inside, and takes no other),
/// so the stream holds each job's changes in the order they happened; such
/// a caller passes `notify: false` and tells the change signal once it has
/// unlocked.
final class EventLog: @unchecked Sendable {
    private let lock = Lock()
    @exclusivity(unchecked) private var ring: [EngineEvent?]
    @exclusivity(unchecked) private var nextSeq: UInt64 = 1
    /// By `Kind.ordinal`.
    @exclusivity(unchecked) private var counts = [Int](repeating: 0, count: EngineEvent.Kind.allCases.count)
    let capacity: Int
    /// Told after each event is in the ring.
    let changes: ChangeSignal?

    init(capacity: Int, changes: ChangeSignal? = nil) {
        self.capacity = Swift.max(1, capacity)
        self.changes = changes
        ring = Array(repeating: nil, count: self.capacity)
    }

    func record(_ kind: EngineEvent.Kind, at: Int64, job: JobID? = nil, name: String = "", message: String = "",
                from: JobState? = nil, to: JobState? = nil, worker: Int32 = -1, cause: EngineEvent.Cause, count: Int = 1,
                notify: Bool = true) {
        lock.lock()
        let seq = nextSeq
        nextSeq += 1
        counts[kind.ordinal] += count
        ring[Int(seq % UInt64(capacity))] = EngineEvent(seq: seq, atNs: at, kind: kind, job: job, name: name, message: message,
                                                        from: from, to: to, worker: worker >= 0 ? Int(worker) : nil,
                                                        cause: cause, count: count)
        lock.unlock()
        if notify { changes?.notify() }
    }

    /// Changes of each kind so far (a batch counts its size), evicted from the ring or not.
    var countsByKind: [EngineEvent.Kind: Int] {
        let c = lock.withLock { counts }
        return Dictionary(uniqueKeysWithValues: EngineEvent.Kind.allCases.map { ($0, c[$0.ordinal]) })
    }

    /// Events with seq > `after`, oldest first, at most `limit`; `missed` is
    /// how many such events were already overwritten. Any `after` and
    /// `limit` are answered (a remote reader sends what it likes): one past
    /// the last event, or a limit of 0 or less, is an empty batch.
    func events(after: UInt64, limit: Int) -> EventBatch {
        lock.withLock {
            let last = nextSeq - 1
            guard after < last else { return EventBatch(events: [], missed: 0, lastSeq: last) }
            let oldestKept = last >= UInt64(capacity) ? last - UInt64(capacity) + 1 : 1
            let wanted = after + 1   // ≤ last: no overflow
            let from = Swift.max(wanted, oldestKept)
            let count = Swift.min(last - from + 1, UInt64(Swift.max(0, limit)))
            var out: [EngineEvent] = []
            out.reserveCapacity(Int(count))
            var s = from
            while s < from + count { if let e = ring[Int(s % UInt64(capacity))] { out.append(e) }; s += 1 }
            return EventBatch(events: out, missed: from - wanted, lastSeq: last)
        }
    }

    var lastSeq: UInt64 { lock.withLock { nextSeq - 1 } }
}
