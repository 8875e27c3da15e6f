/// A bounded ring of recent events. A reader asks for "events since N" and is
/// told how many it missed if the ring wrapped past them.
///
/// Thread-safety: `lock` guards everything; `record` holds it for a few
/// stores, so any thread may record.
final class EventLog: @unchecked Sendable {
    private let lock = Lock()
    @exclusivity(unchecked) private var ring: [EngineEvent?]
    @exclusivity(unchecked) private var nextSeq: UInt64 = 1
    let capacity: Int
    /// Told after each event is in the ring.
    let changes: ChangeSignal?

    init(capacity: Int, changes: ChangeSignal? = nil) {
        self.capacity = Swift.max(1, capacity)
        self.changes = changes
        ring = Array(repeating: nil, count: self.capacity)
    }

    func record(_ kind: EngineEvent.Kind, at: Int64, job: JobID? = nil, name: String = "", message: String = "") {
        lock.lock()
        let seq = nextSeq
        nextSeq += 1
        ring[Int(seq % UInt64(capacity))] = EngineEvent(seq: seq, atNs: at, kind: kind, job: job, name: name, message: message)
        lock.unlock()
        changes?.notify()
    }

    /// Events with seq > `after`, oldest first, at most `limit`; `missed` is
    /// how many such events were already overwritten.
    func events(after: UInt64, limit: Int) -> EventBatch {
        lock.withLock {
            let last = nextSeq - 1
            let oldestKept = last >= UInt64(capacity) ? last - UInt64(capacity) + 1 : 1
            let from = Swift.max(after + 1, oldestKept)
            let missed = from > after + 1 ? from - (after + 1) : 0
            var out: [EngineEvent] = []
            if from <= last {
                let to = Swift.min(last, from + UInt64(Swift.max(0, limit)) - 1)
                out.reserveCapacity(Int(to - from + 1))
                var s = from
                while s <= to { if let e = ring[Int(s % UInt64(capacity))] { out.append(e) }; s += 1 }
            }
            return EventBatch(events: out, missed: missed, lastSeq: last)
        }
    }

    var lastSeq: UInt64 { lock.withLock { nextSeq - 1 } }
}

