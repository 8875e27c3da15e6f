/// What a run decided about the job's future (`JobContext.runAgain(after:)`,
/// `JobContext.retire()`; by default the schedule decides).
enum RunDecision: Sendable, Equatable {
    /// Follow the schedule (an adaptive job repeats its last delay).
    case reschedule
    /// Run again this long after this run ended (overrides the schedule once).
    case again(after: Duration)
    /// Finish for good: the job becomes `retired`.
    case retire
}

/// The body of a job. It runs on a worker thread; it may be called from
/// different workers over time, but never twice at once for the same job.
/// It decides what comes next through its context (`ctx.runAgain(after:)`,
/// `ctx.retire()`); by default the schedule does. One closure type: a body
/// that returned a decision could compile as one that returns nothing and
/// have its decision silently dropped (issue 13).
public typealias JobBody = @Sendable (JobContext) throws -> Void

/// Exponential back-off after consecutive failures: the next run is due no
/// earlier than `initial · 2^(failures-1)` (capped) after the failed run ended.
public struct Backoff: Sendable, Equatable {
    public var initialNs: Int64
    public var capNs: Int64
    public init(initial: Duration, cap: Duration) {
        initialNs = Swift.max(0, initial.nanoseconds)
        capNs = Swift.max(initialNs, cap.nanoseconds)
    }
    public static let standard = Backoff(initial: .seconds(1), cap: .seconds(300))
}

/// Everything needed to submit a job.
public struct JobSpec: Sendable {
    public var name: String
    /// Jobs carry a group; pause, resume and cancel can act on a whole group.
    public var group: String
    /// The run queue its runs wait in (created with defaults if unknown).
    public var queue: String
    public var schedule: Schedule
    /// A run past this is reported stuck; its worker is written off and replaced.
    public var timeout: Duration?
    /// Higher runs first in a `.priority` queue.
    public var priority: Int
    /// Back-off after consecutive failures; nil runs on schedule regardless.
    public var backoff: Backoff?
    /// After this many failures in a row the job stops in `failed`; nil never gives up.
    public var maxConsecutiveFailures: Int?
    /// How many times a failed run is tried again for the same tick, each
    /// after the back-off (`backoff`, from its first wait, less up to a
    /// fifth as jitter), before the job waits for its next scheduled run. A
    /// retry that would come at or after that next run is not made. A
    /// one-time job gives up once its retries are spent. 0…`maxRetries`.
    public var retries: Int = 0
    public static let maxRetries = 1000
    public var body: JobBody
    /// Set by `submitWork`: the completion to deliver when the job ends.
    var completion: WorkCompletion?

    public init(name: String, group: String = "default", queue: String = RunQueueConfig.defaultName,
                schedule: Schedule, timeout: Duration? = nil, priority: Int = 0,
                backoff: Backoff? = .standard, maxConsecutiveFailures: Int? = nil, retries: Int = 0,
                _ body: @escaping JobBody) {
        self.name = name; self.group = group; self.queue = queue; self.schedule = schedule
        self.timeout = timeout; self.priority = priority; self.backoff = backoff
        self.maxConsecutiveFailures = maxConsecutiveFailures; self.retries = retries; self.body = body
    }
}

/// Thrown into the record of a run that outlived its timeout.
public struct RunTimedOut: Error, CustomStringConvertible {
    public let timeoutNs: Int64
    public var description: String { "timed out after \(formatNanoseconds(timeoutNs)): worker written off" }
}

