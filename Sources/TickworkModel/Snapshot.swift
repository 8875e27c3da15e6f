/// An immutable picture of the engine at one moment. Cheap to take at 10 Hz
/// with a million jobs: it carries aggregates, not jobs (ask `jobs(_:)` for a
/// window of those).
public struct EngineSnapshot: Sendable, Equatable, Codable {
    public var takenAtNs: Int64
    public var uptimeNs: Int64
    /// Jobs per state (finished jobs count here even once forgotten).
    public var jobsByState: [JobState: Int]
    public var totalJobs: Int
    /// Finished jobs dropped from the table to bound memory.
    public var forgottenJobs: Int
    /// Runs that ended, over the engine's life.
    public var runs: Int
    /// Runs per second over the reader's interval (`withRates(since:)`);
    /// nil as the engine takes it.
    public var runsPerSecond: Double?
    /// Lateness (start − due) of every run so far, in microseconds.
    public var lateness: LatencyHistogram
    public var workers: [WorkerInfo]
    public var timer: TimerInfo
    public var queues: [QueueInfo]
    /// The pool size asked for.
    public var targetWorkers: Int
    public var lastEventSeq: UInt64
    /// Changes of each kind since the start, from the transition stream (a
    /// batch of submissions counts its size; run events only while the
    /// engine records them, `recordRunEvents`).
    public var eventCounts: [EngineEvent.Kind: Int] = [:]
    public var isShuttingDown: Bool
    /// Failed runs since start (thrown errors and timeouts).
    public var errors: Int = 0

    /// Workers replaced since the start because a run outlived its timeout.
    public var workersReplaced: Int = 0
    /// `pauseAll()` is in force (until `resumeAll()`).
    public var pausedAll: Bool = false
    /// Finished jobs still kept (retention, `keepFinishedJobs`) and the
    /// bytes they were estimated to hold (`keepFinishedBytes`).
    public var keptFinishedJobs: Int = 0
    public var keptFinishedBytes: Int = 0
    /// Events the log keeps (older ones are overwritten: `lastEventSeq`
    /// past it counts the dropped ones).
    public var eventCapacity: Int = 0
    public var busyWorkers: Int { workers.filter(\.isBusy).count }
    public func count(_ state: JobState) -> Int { jobsByState[state] ?? 0 }

    public init(takenAtNs: Int64, uptimeNs: Int64, jobsByState: [JobState: Int], totalJobs: Int,
                forgottenJobs: Int, runs: Int, runsPerSecond: Double? = nil, lateness: LatencyHistogram,
                workers: [WorkerInfo], timer: TimerInfo, queues: [QueueInfo], targetWorkers: Int,
                lastEventSeq: UInt64, eventCounts: [EngineEvent.Kind: Int] = [:], isShuttingDown: Bool,
                errors: Int = 0, workersReplaced: Int = 0, pausedAll: Bool = false,
                keptFinishedJobs: Int = 0, keptFinishedBytes: Int = 0) {
        self.takenAtNs = takenAtNs; self.uptimeNs = uptimeNs; self.jobsByState = jobsByState
        self.totalJobs = totalJobs; self.forgottenJobs = forgottenJobs; self.runs = runs
        self.runsPerSecond = runsPerSecond; self.lateness = lateness; self.workers = workers
        self.timer = timer; self.queues = queues; self.targetWorkers = targetWorkers
        self.lastEventSeq = lastEventSeq; self.eventCounts = eventCounts
        self.isShuttingDown = isShuttingDown; self.errors = errors; self.workersReplaced = workersReplaced
        self.pausedAll = pausedAll; self.keptFinishedJobs = keptFinishedJobs
        self.keptFinishedBytes = keptFinishedBytes
    }
}

public struct WorkerInfo: Sendable, Equatable, Codable {
    public var index: Int
    /// Kernel thread id.
    public var tid: Int32
    public var phase: WorkerPhase
    public var jobID: JobID?
    public var jobName: String?
    /// When the current phase began (monotonic ns).
    public var sinceNs: Int64
    public var runs: Int
    /// Time spent inside runs so far (the current one included), ns.
    public var busyNs: Int64
    /// Busy fraction over the reader's interval (`withRates(since:)`); 0 as the engine takes it.
    public var busyFraction: Double
    /// CPU time of the thread so far (user+sys), ns.
    public var cpuNs: Int64
    /// CPU fraction of one core over the reader's interval; 0 as the engine takes it.
    public var cpuFraction: Double
    /// Will leave the pool after its current run (shrinking).
    public var retiring: Bool
    /// What the run waits on, while `phase == .waiting` ("connection pool").
    public var waitingOn: String? = nil
    /// Inside a run (running, sleeping in it, or waiting on its own primitive).
    public var isBusy: Bool { phase == .running || phase == .sleeping || phase == .waiting }

    public init(index: Int, tid: Int32, phase: WorkerPhase, jobID: JobID? = nil, jobName: String? = nil,
                sinceNs: Int64, runs: Int, busyNs: Int64, busyFraction: Double, cpuNs: Int64,
                cpuFraction: Double, retiring: Bool, waitingOn: String? = nil) {
        self.index = index; self.tid = tid; self.phase = phase; self.jobID = jobID; self.jobName = jobName
        self.sinceNs = sinceNs; self.runs = runs; self.busyNs = busyNs; self.busyFraction = busyFraction
        self.cpuNs = cpuNs; self.cpuFraction = cpuFraction; self.retiring = retiring
        self.waitingOn = waitingOn
    }
}

public struct TimerInfo: Sendable, Equatable, Codable {
    public var tid: Int32
    public var cpuNs: Int64
    /// Over the reader's interval (`withRates(since:)`); 0 as the engine takes it.
    public var cpuFraction: Double
    public var wakeups: Int
    public var lastBatch: Int
    public var sleeping: Bool
    public var sinceNs: Int64
    /// The wheel's slot width: the timer's leeway, ns.
    public var resolutionNs: Int64

    public init(tid: Int32, cpuNs: Int64, cpuFraction: Double, wakeups: Int, lastBatch: Int, sleeping: Bool,
                sinceNs: Int64, resolutionNs: Int64) {
        self.tid = tid; self.cpuNs = cpuNs; self.cpuFraction = cpuFraction; self.wakeups = wakeups
        self.lastBatch = lastBatch; self.sleeping = sleeping; self.sinceNs = sinceNs
        self.resolutionNs = resolutionNs
    }
}

public struct QueueInfo: Sendable, Equatable, Codable {
    public var name: String
    public var depth: Int
    public var capacity: Int
    public var order: QueueOrder
    public var whenFull: QueueFullPolicy
    public var overflow: Int
    public var paused: Bool
    /// How long the oldest waiting run has waited, ns (0 when empty).
    public var oldestWaitNs: Int64
    public var enqueued: Int
    public var dequeued: Int
    public var maxDepth: Int
    /// Per second over the reader's interval (`withRates(since:)`); 0 as the engine takes it.
    public var enqueueRate: Double
    public var dequeueRate: Double

    public init(name: String, depth: Int, capacity: Int, order: QueueOrder, whenFull: QueueFullPolicy,
                overflow: Int, paused: Bool, oldestWaitNs: Int64, enqueued: Int, dequeued: Int,
                maxDepth: Int, enqueueRate: Double, dequeueRate: Double) {
        self.name = name; self.depth = depth; self.capacity = capacity; self.order = order
        self.whenFull = whenFull; self.overflow = overflow; self.paused = paused
        self.oldestWaitNs = oldestWaitNs; self.enqueued = enqueued; self.dequeued = dequeued
        self.maxDepth = maxDepth; self.enqueueRate = enqueueRate; self.dequeueRate = dequeueRate
    }
}

/// One job as a reader sees it.
public struct JobInfo: Sendable, Equatable, Codable {
    public var id: JobID
    public var name: String
    public var group: String
    public var queue: String
    public var state: JobState
    public var schedule: String
    /// Due time of the next run (monotonic ns) while scheduled or failed-and-retrying; nil when the
    /// job has no next run (paused, queued, running, finished).
    public var nextDueNs: Int64?
    public var runs: Int
    public var errors: Int
    /// Runs that outlived the timeout (each is also an error).
    public var timeouts: Int = 0
    public var misses: Int
    public var overflows: Int
    public var consecutiveFailures: Int
    /// The back-off in force after those failures (nil when none).
    public var backoffNs: Int64?
    public var lastStartNs: Int64?
    public var lastDurationNs: Int64?
    public var meanDurationNs: Int64?
    public var maxDurationNs: Int64?
    public var lastLatenessNs: Int64?
    public var meanLatenessNs: Int64?
    /// Fandango's "accumulated delay".
    public var totalLatenessNs: Int64
    /// Every run's duration added up (a counter: metrics' `_sum`).
    public var totalDurationNs: Int64 = 0
    public var usage: Double
    public var progress: Double?
    public var status: String?
    public var lastError: RunError?
    /// Its run outlived the timeout and the worker was written off.
    public var stuck: Bool
    /// Failed for good; resume gives it a fresh start.
    public var gaveUp: Bool
    /// Paused after the current run ends.
    public var pausePending: Bool
    /// Worker index running it.
    public var worker: Int?
    /// The instant this record was read (under the job's lock), so a
    /// countdown drawn from it never exceeds the period.
    public var sampledAtNs: Int64 = 0
    /// Its policy's retries per tick, and the retry of the failed tick now
    /// pending or running (1-based; 0 when none: `nextDueNs` is then the
    /// schedule's next run).
    public var retries: Int = 0
    public var pendingRetry: Int = 0

    public init(id: JobID, name: String, group: String, queue: String, state: JobState, schedule: String,
                nextDueNs: Int64? = nil, runs: Int, errors: Int, timeouts: Int = 0, misses: Int,
                overflows: Int, consecutiveFailures: Int, backoffNs: Int64? = nil, lastStartNs: Int64? = nil,
                lastDurationNs: Int64? = nil, meanDurationNs: Int64? = nil, maxDurationNs: Int64? = nil,
                lastLatenessNs: Int64? = nil, meanLatenessNs: Int64? = nil, totalLatenessNs: Int64,
                usage: Double, progress: Double? = nil, status: String? = nil, lastError: RunError? = nil,
                stuck: Bool, gaveUp: Bool, pausePending: Bool, worker: Int? = nil, sampledAtNs: Int64 = 0,
                retries: Int = 0, pendingRetry: Int = 0) {
        self.id = id; self.name = name; self.group = group; self.queue = queue; self.state = state
        self.schedule = schedule; self.nextDueNs = nextDueNs; self.runs = runs; self.errors = errors
        self.timeouts = timeouts; self.misses = misses; self.overflows = overflows
        self.consecutiveFailures = consecutiveFailures; self.backoffNs = backoffNs
        self.lastStartNs = lastStartNs; self.lastDurationNs = lastDurationNs
        self.meanDurationNs = meanDurationNs; self.maxDurationNs = maxDurationNs
        self.lastLatenessNs = lastLatenessNs; self.meanLatenessNs = meanLatenessNs
        self.totalLatenessNs = totalLatenessNs; self.usage = usage; self.progress = progress
        self.status = status; self.lastError = lastError; self.stuck = stuck; self.gaveUp = gaveUp
        self.pausePending = pausePending; self.worker = worker; self.sampledAtNs = sampledAtNs
        self.retries = retries; self.pendingRetry = pendingRetry
    }
}

/// A job with everything kept about it.
public struct JobDetail: Sendable, Equatable, Codable {
    public var info: JobInfo
    public var recentErrors: [RunError]
    public var log: [LogLine]
    public var durationHistoryNs: [Int64]
    public var latenessHistoryNs: [Int64]

    public init(info: JobInfo, recentErrors: [RunError], log: [LogLine], durationHistoryNs: [Int64],
                latenessHistoryNs: [Int64]) {
        self.info = info; self.recentErrors = recentErrors; self.log = log
        self.durationHistoryNs = durationHistoryNs; self.latenessHistoryNs = latenessHistoryNs
    }
}

/// Which jobs a reader wants, in what order, which slice.
public struct JobQuery: Sendable, Equatable, Codable {
    public enum SortKey: String, Sendable, CaseIterable, Codable {
        case id, name, group, state, schedule, nextDue, lastDuration, runs, errors, lateness, status
    }
    public var states: Set<JobState>?
    public var group: String?
    /// Case-insensitive substring of the name or group.
    public var text: String?
    public var sort: SortKey
    public var descending: Bool
    public var offset: Int
    public var limit: Int
    /// Keep this job in view: if it still matches, the window is placed so
    /// that it sits at row `anchorRow` (as near as the ends allow) and
    /// `offset` is ignored. A dashboard's selection follows its job this way.
    public var anchor: JobID?
    public var anchorRow: Int
    /// Fetch exactly these jobs, in this order (those that still match):
    /// an order held still while a person moves through the table.
    public var pinned: [JobID]?

    public init(states: Set<JobState>? = nil, group: String? = nil, text: String? = nil,
                sort: SortKey = .id, descending: Bool = false, offset: Int = 0, limit: Int = 50,
                anchor: JobID? = nil, anchorRow: Int = 0, pinned: [JobID]? = nil) {
        self.states = states; self.group = group; self.text = text
        self.sort = sort; self.descending = descending; self.offset = Swift.max(0, offset)
        self.limit = Swift.max(0, limit)
        self.anchor = anchor; self.anchorRow = Swift.max(0, anchorRow); self.pinned = pinned
    }

    /// The most rows a query read off the wire may ask for: a page of
    /// 10,000 rows is a few MB of JSON, well inside a frame's cap.
    public static let maximumDecodedLimit = 10_000

    private enum CodingKeys: String, CodingKey {
        case states, group, text, sort, descending, offset, limit, anchor, anchorRow, pinned
    }

    /// Through the clamping initializer, so a query from a socket is as
    /// sane as one made in this process (no negative offset or limit, a
    /// limit within `maximumDecodedLimit`).
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(states: try c.decodeIfPresent(Set<JobState>.self, forKey: .states),
                  group: try c.decodeIfPresent(String.self, forKey: .group),
                  text: try c.decodeIfPresent(String.self, forKey: .text),
                  sort: try c.decodeIfPresent(SortKey.self, forKey: .sort) ?? .id,
                  descending: try c.decodeIfPresent(Bool.self, forKey: .descending) ?? false,
                  offset: try c.decodeIfPresent(Int.self, forKey: .offset) ?? 0,
                  limit: Swift.min(try c.decodeIfPresent(Int.self, forKey: .limit) ?? 50, Self.maximumDecodedLimit),
                  anchor: try c.decodeIfPresent(JobID.self, forKey: .anchor),
                  anchorRow: Swift.min(try c.decodeIfPresent(Int.self, forKey: .anchorRow) ?? 0, Self.maximumDecodedLimit),
                  pinned: (try c.decodeIfPresent([JobID].self, forKey: .pinned)).map { Array($0.prefix(Self.maximumDecodedLimit)) })
    }

    /// The same jobs in the same order (the filter and the sort), whatever the window.
    public func selectsSameJobs(as other: JobQuery) -> Bool {
        states == other.states && group == other.group && text == other.text
            && sort == other.sort && descending == other.descending
    }
}

public struct JobPage: Sendable, Equatable, Codable {
    /// Jobs matching the filter (before offset and limit); for a pinned
    /// query, how many of the pinned jobs still match.
    public var matching: Int
    public var jobs: [JobInfo]
    /// The index of `jobs[0]` among the matching jobs (the query's offset,
    /// or where the anchor placed the window).
    public var offset: Int
    /// The anchor's index among the matching jobs; nil if it no longer matches.
    public var anchorIndex: Int?
    /// The anchor's own record, whether or not it still matches (nil if forgotten):
    /// says why it left (retired, cancelled, filtered out).
    public var anchorInfo: JobInfo?

    public init(matching: Int, jobs: [JobInfo], offset: Int = 0, anchorIndex: Int? = nil,
                anchorInfo: JobInfo? = nil) {
        self.matching = matching; self.jobs = jobs; self.offset = offset
        self.anchorIndex = anchorIndex; self.anchorInfo = anchorInfo
    }
}

/// What `shutdown(deadline:)` could not finish.
public struct ShutdownReport: Sendable, Equatable, Codable {
    /// When shutdown began (the engine's clock): every run that started,
    /// started before this instant.
    public var beganAtNs: Int64
    /// Runs that were waiting in queues and never started.
    public var cancelledQueued: [JobID]
    /// Runs still executing at the deadline (their threads are abandoned).
    public var abandonedRunning: [JobID]
    /// Threads (workers and timer) that ended within the deadline, and that did not.
    public var joinedThreads: Int
    public var abandonedThreads: Int
    public var elapsedNs: Int64
    public var isClean: Bool { abandonedRunning.isEmpty && abandonedThreads == 0 }

    public init(beganAtNs: Int64, cancelledQueued: [JobID], abandonedRunning: [JobID], joinedThreads: Int,
                abandonedThreads: Int, elapsedNs: Int64) {
        self.beganAtNs = beganAtNs; self.cancelledQueued = cancelledQueued
        self.abandonedRunning = abandonedRunning; self.joinedThreads = joinedThreads
        self.abandonedThreads = abandonedThreads; self.elapsedNs = elapsedNs
    }
}
