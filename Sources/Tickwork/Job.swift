/// Settings most jobs share, kept out of `Job` so a million jobs submitted
/// with the defaults share one instance (memory: see DECISIONS.md).
final class JobPolicy: Sendable {
    let timeoutNs: Int64          // 0: none
    let priority: Int
    let backoff: Backoff?
    let maxConsecutiveFailures: Int  // 0: never give up
    /// Tries again of a failed tick, after the back-off (`Engine+Retry`).
    let retries: Int
    let jitterNs: Int64
    let initialDelayNs: Int64?

    init(timeoutNs: Int64, priority: Int, backoff: Backoff?, maxConsecutiveFailures: Int, retries: Int,
         jitterNs: Int64, initialDelayNs: Int64?) {
        self.timeoutNs = timeoutNs; self.priority = priority; self.backoff = backoff
        self.maxConsecutiveFailures = maxConsecutiveFailures; self.retries = retries; self.jitterNs = jitterNs
        self.initialDelayNs = initialDelayNs
    }
}

/// Lazily allocated parts of a job: only jobs that failed, logged or reported
/// progress pay for them.
final class JobExtras {
    @exclusivity(unchecked) var errors = 0
    @exclusivity(unchecked) var overflows = 0
    /// Runs that outlived the timeout.
    @exclusivity(unchecked) var timeouts = 0
    @exclusivity(unchecked) var consecutiveFailures: Int32 = 0
    /// An adaptive job's current delay (set by `ctx.runAgain(after:)`).
    @exclusivity(unchecked) var adaptiveDelayNs: Int64?
    /// Set while a run by hand (`runNow`) is queued or running: the state
    /// the job goes back to after it (its schedule is not moved).
    @exclusivity(unchecked) var manualRunBack: JobState?
    /// A cron job's fire time (wall clock, unix ns) that its next run belongs to.
    @exclusivity(unchecked) var cronTickWallNs: Int64 = 0
    /// Retries planned for the failed tick (0: none pending). While one is,
    /// `gridDue` is the retry's due time and the tick's is kept here.
    @exclusivity(unchecked) var retryAttempt: Int32 = 0
    @exclusivity(unchecked) var retryTickGridNs: Int64 = 0
    @exclusivity(unchecked) var recentErrors = BoundedRing<RunError>(capacity: errorKeep)
    @exclusivity(unchecked) var lastError: RunError?
    @exclusivity(unchecked) var statusText: String?
    @exclusivity(unchecked) var progress: Double?
    @exclusivity(unchecked) var logLines = BoundedRing<LogLine>(capacity: logKeep)
    /// The last runs' durations and lateness, for the detail's sparklines.
    @exclusivity(unchecked) var durationHistory = BoundedRing<Int64>(capacity: historyKeep)
    @exclusivity(unchecked) var latenessHistory = BoundedRing<Int64>(capacity: historyKeep)
    /// Work submitted with a completion (`submitWork`): delivered when the
    /// job reaches a final state or times out.
    @exclusivity(unchecked) var completion: WorkCompletion?
    static let errorKeep = 8
    static let logKeep = 32
    static let historyKeep = 60

    /// A finished job keeps what it has, in no more room than that needs.
    func compact() {
        recentErrors.compact(); logLines.compact(); durationHistory.compact(); latenessHistory.compact()
    }
}

/// One submitted job: its fixed description and its mutable record.
///
/// Thread-safety: the `let`s never change. Every `var` is guarded by the
/// engine's stripe lock for this job (`Engine.stripes[stripe]`), whichever
/// thread touches it: the timer thread when it fires the job, a worker while
/// it runs it, a control call, or a snapshot reader. The lock is held only
/// for a few field updates, never across the job's body.
final class Job: @unchecked Sendable {
    // Field order is memory layout (Swift keeps declaration order): the
    // 9-byte `kind` is followed by the 1- and 4-byte fields that fill its
    // padding, then the 8-byte ones. 168 bytes in all, a 176-byte malloc
    // chunk: a million jobs must fit in 250 MB. Measured in a test.
    let id: JobID
    let name: String
    let body: JobBody
    let kind: Schedule.Kind

    // Guarded by the stripe lock (as is every `var` below).
    @exclusivity(unchecked) var state: JobState = .scheduled
    /// Set while a run is in progress and a person paused the job: the run
    /// finishes, then the job becomes `paused`.
    @exclusivity(unchecked) var pauseAfterRun = false
    /// The running run outlived its timeout; its worker was written off.
    @exclusivity(unchecked) var stuck = false
    /// Failed for good (a one-shot, or past its failure limit): no run is
    /// planned until a person resumes it.
    @exclusivity(unchecked) var gaveUp = false
    /// Paused by `pauseAll()` (so `resumeAll()` leaves jobs paused one by one alone).
    @exclusivity(unchecked) var pausedByAll = false
    /// `policy.jitterNs != 0`, kept in the record's padding: the next due
    /// time is read for every job of a window sorted by it, and jobs whose
    /// policies differ would each cost a miss on their policy to learn
    /// there is no jitter (41 % of such a pass at a million jobs).
    let jittered: Bool

    let groupIndex: Int32
    let queueIndex: Int32
    /// Last and largest figures in whole microseconds (saturating): enough
    /// for display, half the memory of nanoseconds. Totals stay in ns.
    @exclusivity(unchecked) var lastDurationUs: Int32 = -1
    @exclusivity(unchecked) var maxDurationUs: Int32 = 0
    @exclusivity(unchecked) var lastLatenessUs: Int32 = 0
    /// Worker index running the job, or -1.
    @exclusivity(unchecked) var worker: Int32 = -1
    /// Busy fraction (duration / time between starts), smoothed.
    @exclusivity(unchecked) var usage: Float = 0

    let policy: JobPolicy
    @exclusivity(unchecked) var runs: Int = 0          // runs that ended (success or failure)
    @exclusivity(unchecked) var misses: Int = 0        // ticks not run (missed-tick policy, queue overflow)
    /// The grid tick the next run belongs to (fixed rate), or its due time.
    @exclusivity(unchecked) var gridDue: Int64 = 0
    @exclusivity(unchecked) var lastStartNs: Int64 = 0
    @exclusivity(unchecked) var totalDurationNs: Int64 = 0
    @exclusivity(unchecked) var totalLatenessNs: Int64 = 0
    @exclusivity(unchecked) var extras: JobExtras?

    /// The stripe lock index guarding this job.
    @inline(__always) var stripe: Int { Int(truncatingIfNeeded: id.rawValue) & (Engine.stripeCount - 1) }

    init(id: JobID, name: String, groupIndex: Int32, queueIndex: Int32,
         kind: Schedule.Kind, policy: JobPolicy, body: @escaping JobBody) {
        self.id = id; self.name = name; self.groupIndex = groupIndex; self.queueIndex = queueIndex
        self.kind = kind; self.policy = policy; self.body = body
        jittered = policy.jitterNs != 0
    }

    var lastDurationNs: Int64 { Int64(lastDurationUs) * 1000 }
    var maxDurationNs: Int64 { Int64(maxDurationUs) * 1000 }
    var lastLatenessNs: Int64 { Int64(lastLatenessUs) * 1000 }

    /// The dispatch due time: the grid tick plus this run's jitter.
    @inline(__always) var nextDue: Int64 {
        !jittered ? gridDue
            : gridDue &+ Cadence.jitter(bound: policy.jitterNs, id: id.rawValue, run: UInt64(runs &+ misses))
    }

    /// Where the run due at `due`, starting about `start`, will most likely
    /// put the job next: a guess for prefetching (the run's outcome
    /// decides). Reads only `let`s, so no lock is needed.
    @inline(__always) func likelyNextDue(due: Int64, start: Int64) -> Int64? {
        switch kind {
        case .fixedRate(let period, _): return due &+ period
        case .fixedDelay(let delay): return start &+ delay
        default: return nil
        }
    }

    var isRecurring: Bool {
        switch kind {
        case .once, .onceAt: return false
        default: return true
        }
    }

    // Rarely non-zero, so kept in the extras (memory at a million jobs).
    var errors: Int {
        get { extras?.errors ?? 0 }
        set { if newValue != 0 || extras != nil { extrasForWriting.errors = newValue } }
    }
    /// Runs refused by a full queue.
    var overflows: Int {
        get { extras?.overflows ?? 0 }
        set { if newValue != 0 || extras != nil { extrasForWriting.overflows = newValue } }
    }
    var consecutiveFailures: Int32 {
        get { extras?.consecutiveFailures ?? 0 }
        set { if newValue != 0 || extras != nil { extrasForWriting.consecutiveFailures = newValue } }
    }

    /// An adaptive job's delay for `.reschedule`: the last one it chose.
    var adaptiveDelayNs: Int64 {
        get { extras?.adaptiveDelayNs ?? Engine.minimumAdaptiveDelayNs }
        set { extrasForWriting.adaptiveDelayNs = newValue }
    }

    /// About what forgetting this job gives back, in bytes: its record,
    /// a name too long to live inline, and its extras (logs, errors,
    /// histories). An estimate for the retention limit; stripe lock held.
    var footprintBytes: Int {
        var bytes = 176 + 64   // the record's malloc chunk, the body's context
        bytes += Self.outOfLineBytes(name)
        guard let e = extras else { return bytes }
        bytes += 192   // the extras' own chunk
        // The rings' buffers as allocated (a live job's are reserved whole;
        // a finished one's are compacted), and the texts too long to live
        // inline in a String.
        bytes += e.logLines.bufferBytes + e.recentErrors.bufferBytes
        bytes += e.durationHistory.bufferBytes + e.latenessHistory.bufferBytes
        for line in e.logLines { bytes += Self.outOfLineBytes(line.text) }
        for error in e.recentErrors { bytes += Self.outOfLineBytes(error.message) }
        if let status = e.statusText { bytes += Self.outOfLineBytes(status) }
        return bytes
    }

    /// A String's heap allocation: none up to 15 UTF-8 bytes (they live
    /// inline), else its bytes and a header.
    private static func outOfLineBytes(_ text: String) -> Int {
        let n = text.utf8.count
        return n > 15 ? n + 32 : 0
    }

    var extrasForWriting: JobExtras {
        if let e = extras { return e }
        let e = JobExtras()
        extras = e
        return e
    }
}

/// Nanoseconds to whole microseconds, saturating into Int32.
@inline(__always) func microsInt32(_ ns: Int64) -> Int32 {
    let us = ns / 1000
    return us > Int64(Int32.max) ? .max : (us < Int64(Int32.min) ? .min : Int32(us))
}
