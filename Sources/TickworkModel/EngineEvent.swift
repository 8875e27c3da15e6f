/// Something that happened in the engine, numbered in order.
public struct EngineEvent: Sendable, Equatable, Codable {
    public enum Kind: String, Sendable, Codable, CaseIterable {
        case submitted, started, finished, failed, stuck, retired, cancelled, paused, resumed
        case overflow, missed, queuePaused, queueResumed, poolResized, workerReplaced, shutdown
        /// The wall clock was set, or the machine resumed from suspend: cron jobs were planned again.
        case clockChanged
    }
    /// Sequence number, from 1, without gaps.
    public let seq: UInt64
    /// Monotonic nanoseconds of the engine's clock.
    public let atNs: Int64
    public let kind: Kind
    public let job: JobID?
    public let name: String
    public let message: String

    public init(seq: UInt64, atNs: Int64, kind: Kind, job: JobID? = nil, name: String, message: String) {
        self.seq = seq; self.atNs = atNs; self.kind = kind; self.job = job; self.name = name; self.message = message
    }
}

public struct EventBatch: Sendable, Equatable, Codable {
    public let events: [EngineEvent]
    /// Events after the reader's position that the ring no longer holds.
    public let missed: UInt64
    /// The newest sequence number recorded so far.
    public let lastSeq: UInt64

    public init(events: [EngineEvent], missed: UInt64, lastSeq: UInt64) {
        self.events = events; self.missed = missed; self.lastSeq = lastSeq
    }
}
