/// One change in the engine, numbered in order: the transition stream that
/// the event log, the dashboard's events panel and every later reader
/// (metrics, a socket, a store) read. A job's event says which job, from
/// which state to which, on which worker and why.
public struct EngineEvent: Sendable, Equatable, Codable {
    public enum Kind: String, Sendable, Codable, CodingKeyRepresentable, CaseIterable {
        case submitted, started, finished, failed, stuck, retired, cancelled, paused, resumed
        case overflow, missed, queuePaused, queueResumed, poolResized, workerReplaced, shutdown
        /// The wall clock was set, or the machine resumed from suspend: cron jobs were planned again.
        case clockChanged

        /// Position in `allCases`: the engine's counts are indexed by it on every event.
        @inlinable package var ordinal: Int {
            switch self {
            case .submitted: return 0
            case .started: return 1
            case .finished: return 2
            case .failed: return 3
            case .stuck: return 4
            case .retired: return 5
            case .cancelled: return 6
            case .paused: return 7
            case .resumed: return 8
            case .overflow: return 9
            case .missed: return 10
            case .queuePaused: return 11
            case .queueResumed: return 12
            case .poolResized: return 13
            case .workerReplaced: return 14
            case .shutdown: return 15
            case .clockChanged: return 16
            }
        }
    }

    /// Why it happened.
    public enum Cause: String, Sendable, Codable, CaseIterable {
        /// A job (or a batch of them) was submitted.
        case submission
        /// A job's own run: it started or ended (and what it was asked meanwhile took effect).
        case run
        /// A person or a program called a control: pause, resume, cancel, a queue, the pool.
        case control
        /// A run outlived its timeout.
        case timeout
        /// A full queue refused or evicted a run.
        case queueFull
        /// The engine is shutting down.
        case shutdown
        /// The wall clock moved or the machine resumed.
        case clock
    }

    /// Sequence number, from 1, without gaps.
    public let seq: UInt64
    /// Monotonic nanoseconds of the engine's clock.
    public let atNs: Int64
    public let kind: Kind
    public let job: JobID?
    public let name: String
    public let message: String
    /// The job's state before and after (nil for events of no one job).
    public let from: JobState?
    public let to: JobState?
    /// The worker thread's index, when one was involved.
    public let worker: Int?
    public let cause: Cause
    /// How many changes this event stands for: 1, or a batch's size (a
    /// submission of 10,000 jobs is one event that counts 10,000).
    public let count: Int

    @inlinable   // built on every event, in the engine's module
    public init(seq: UInt64, atNs: Int64, kind: Kind, job: JobID? = nil, name: String, message: String = "",
                from: JobState? = nil, to: JobState? = nil, worker: Int? = nil, cause: Cause, count: Int = 1) {
        self.seq = seq; self.atNs = atNs; self.kind = kind; self.job = job; self.name = name
        self.message = message
        self.from = from; self.to = to; self.worker = worker; self.cause = cause; self.count = count
    }

    private enum CodingKeys: String, CodingKey { case seq, atNs, kind, job, name, message, from, to, worker, cause, count }

    /// On the wire an event leaves out what it does not have (an empty
    /// message, a count of 1): a busy engine's frames are mostly events.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(seq, forKey: .seq)
        try c.encode(atNs, forKey: .atNs)
        try c.encode(kind, forKey: .kind)
        try c.encodeIfPresent(job, forKey: .job)
        try c.encode(name, forKey: .name)
        if !message.isEmpty { try c.encode(message, forKey: .message) }
        try c.encodeIfPresent(from, forKey: .from)
        try c.encodeIfPresent(to, forKey: .to)
        try c.encodeIfPresent(worker, forKey: .worker)
        try c.encode(cause, forKey: .cause)
        if count != 1 { try c.encode(count, forKey: .count) }
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(seq: try c.decode(UInt64.self, forKey: .seq), atNs: try c.decode(Int64.self, forKey: .atNs),
                  kind: try c.decode(Kind.self, forKey: .kind), job: try c.decodeIfPresent(JobID.self, forKey: .job),
                  name: try c.decode(String.self, forKey: .name), message: try c.decodeIfPresent(String.self, forKey: .message) ?? "",
                  from: try c.decodeIfPresent(JobState.self, forKey: .from), to: try c.decodeIfPresent(JobState.self, forKey: .to),
                  worker: try c.decodeIfPresent(Int.self, forKey: .worker), cause: try c.decode(Cause.self, forKey: .cause),
                  count: try c.decodeIfPresent(Int.self, forKey: .count) ?? 1)
    }
}

/// Events after a reader's position.
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
