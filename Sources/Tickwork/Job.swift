/// Settings most jobs share, kept out of `Job` so a million jobs submitted
/// with the defaults share one instance (memory: see DECISIONS.md).
final class JobPolicy: Sendable {
    let timeoutNs: Int64          // 0: none
    let priority: Int
    let backoff: Backoff?
    let maxConsecutiveFailures: Int  // 0: never give up
    let jitterNs: Int64
    let initialDelayNs: Int64?

    init(timeoutNs: Int64, priority: Int, backoff: Backoff?, maxConsecutiveFailures: Int, jitterNs: Int64, initialDelayNs: Int64?) {
        self.timeoutNs = timeoutNs; self.priority = priority; self.backoff = backoff
        self.maxConsecutiveFailures = maxConsecutiveFailures; self.jitterNs = jitterNs
        self.initialDelayNs = initialDelayNs
    }

    func matches(_ other: JobPolicy) -> Bool {
        timeoutNs == other.timeoutNs && priority == other.priority && backoff == other.backoff
            && maxConsecutiveFailures == other.maxConsecutiveFailures && jitterNs == other.jitterNs
            && initialDelayNs == other.initialDelayNs
    }
}

/// Lazily allocated parts of a job: only jobs that failed, logged or reported
/// progress pay for them.
final class JobExtras {
    var recentErrors: [RunError] = []      // newest last, at most `errorKeep`
    var lastError: RunError?
    var statusText: String?
    var progress: Double?
    var logLines: [LogLine] = []          // newest last, at most `logKeep`
    var durationHistory: [Int64] = []     // last runs' durations, for sparklines
    var latenessHistory: [Int64] = []
    static let errorKeep = 8
    static let logKeep = 32
    static let historyKeep = 60
}

/// One submitted job: its fixed description and its mutable record.
///
/// Thread-safety: the `let`s never change. Every `var` is guarded by the
/// engine's stripe lock for this job (`Engine.stripes[stripe]`), whichever
/// thread touches it: the timer thread when it fires the job, a worker while
/// it runs it, a control call, or a snapshot reader. The lock is held only
/// for a few field updates, never across the job's body.
final class Job: @unchecked Sendable {
    let id: JobID
    let name: String
    let groupIndex: Int32
    let queueIndex: Int32
    let stripe: Int32
    let kind: Schedule.Kind
    let policy: JobPolicy
    let body: JobBody

    // Guarded by the stripe lock.
    var state: JobState = .scheduled
    /// Set while a run is in progress and a person paused the job: the run
    /// finishes, then the job becomes `paused`.
    var pauseAfterRun = false
    /// The running run outlived its timeout; its worker was written off.
    var stuck = false
    /// Failed for good (a one-shot, or past its failure limit): no run is
    /// planned until a person resumes it.
    var gaveUp = false
    /// Paused by `pauseAll()` (so `resumeAll()` leaves jobs paused one by one alone).
    var pausedByAll = false
    /// Worker index running the job, or -1.
    var worker: Int32 = -1
    var consecutiveFailures: Int32 = 0
    var runs: Int = 0          // runs that ended (success or failure)
    var errors: Int = 0
    var misses: Int = 0        // ticks not run (missed-tick policy, queue overflow)
    var overflows: Int = 0     // runs refused by a full queue
    /// The grid tick the next run belongs to (fixed rate), or its due time.
    var gridDue: Int64 = 0
    /// Fixed rate: a tick of the grid. Adaptive: the current delay.
    var anchor: Int64 = 0
    /// When the job entered `queued` (for queue wait) — also the due of the
    /// run in progress while running.
    var runDue: Int64 = 0
    var lastStartNs: Int64 = 0
    var lastDurationNs: Int64 = -1
    var totalDurationNs: Int64 = 0
    var maxDurationNs: Int64 = 0
    var lastLatenessNs: Int64 = 0
    var totalLatenessNs: Int64 = 0
    /// Busy fraction (duration / time between starts), smoothed.
    var usage: Float = 0
    var extras: JobExtras?

    init(id: JobID, name: String, groupIndex: Int32, queueIndex: Int32, stripe: Int32,
         kind: Schedule.Kind, policy: JobPolicy, body: @escaping JobBody) {
        self.id = id; self.name = name; self.groupIndex = groupIndex; self.queueIndex = queueIndex
        self.stripe = stripe; self.kind = kind; self.policy = policy; self.body = body
    }

    /// The dispatch due time: the grid tick plus this run's jitter.
    @inline(__always) var nextDue: Int64 {
        policy.jitterNs == 0 ? gridDue
            : gridDue &+ Cadence.jitter(bound: policy.jitterNs, id: id.rawValue, run: UInt64(runs &+ misses))
    }

    var isRecurring: Bool {
        switch kind {
        case .once, .onceAt: return false
        default: return true
        }
    }

    var extrasForWriting: JobExtras {
        if let e = extras { return e }
        let e = JobExtras()
        extras = e
        return e
    }
}

/// A line a job logged through its context.
public struct LogLine: Sendable, Equatable, Codable {
    public var atNs: Int64
    public var run: Int
    public var text: String
}
