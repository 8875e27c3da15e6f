import DequeModule
import Foundation
import Synchronization

/// The scheduler: runs submitted jobs on a pool of worker threads, fed by a
/// timer thread through bounded run queues, and describes itself on demand.
///
/// Threads: one timer thread (owns the wheel's sweep), N workers, and any
/// number of caller threads for submit/control/observe. No call waits on a
/// running job. Locks, each held briefly. Nesting happens only in these
/// orders (never the reverse): registry → dispatcher (queue lookup on
/// submit), registry → due (bulk insert on submit), registry → stripe
/// (forgetting finished jobs), dispatcher → due (the sweeping worker, and
/// poking it), dispatcher → a worker's stats (snapshots, a worker leaving).
/// The event log's lock is a leaf. The locks:
/// - `registryLock`: the job table, group names, finished-job retention,
///   control-call tallies;
/// - `stripes[i]`: the mutable fields of the jobs with `id % stripes.count == i`;
/// - `due.lock`: the timer wheel and in-flight accounting;
/// - `dispatch.lock`: run queues and idle workers;
/// - each worker's `statsLock`, the timer's `timerStatsLock`, the event log's lock.
public final class Engine: @unchecked Sendable {
    public let clock: any EngineClock
    let configuration: EngineConfiguration
    let stripes: [Lock]
    let due: DueIndex
    let dispatch: Dispatcher
    let events: EventLog
    let recordRunEvents: Bool
    let startedAtNs: Int64

    /// Wakes `waitForChange` readers.
    let changes = ChangeSignal()

    /// The wall clock less the monotonic one when cron jobs were last
    /// planned (`wallClockMoved`); `wallOffsetLock` guards it.
    let wallOffsetLock = Lock()
    @exclusivity(unchecked) var wallOffsetNs: Int64 = 0
    /// Set once the clock reports wall changes to this engine (on the first cron job).
    let watchingWall = Atomic<Bool>(false)

    /// Finished jobs released by sweeps since the heap was last trimmed (`noteReleased`).
    let releasedSinceTrim = Atomic<Int>(0)
    let lastTrimNs = Atomic<Int64>(0)
    static let trimAfterReleases = 1024
    static let trimAtOnceAfterReleases = 16_384
    static let trimIntervalNs: Int64 = 10_000_000_000

    // registryLock
    let registryLock = Lock()
    @exclusivity(unchecked) var jobs = JobTable()
    @exclusivity(unchecked) var groupNames: [String] = []
    @exclusivity(unchecked) var groupIndex: [String: Int32] = [:]
    @exclusivity(unchecked) private var lastGroup: (name: String, index: Int32) = ("", -1)
    @exclusivity(unchecked) var controlTally = StateTally()
    /// Finished jobs kept for display, oldest first, with what each was
    /// estimated to hold when it finished; `finishedBytes` is their sum.
    /// A ring, so its buffer holds the kept jobs and no more: an array
    /// with a head index grew to twice the kept count plus the compaction
    /// slack (8,192 entries, 131 KB) over the first minutes of a soak.
    @exclusivity(unchecked) var finishedOrder = Deque<(id: JobID, bytes: Int)>()
    @exclusivity(unchecked) var finishedBytes = 0
    /// Work submitted with a completion not yet delivered (`Engine+Work`).
    @exclusivity(unchecked) var pendingWork: [JobID: WorkCompletion] = [:]
    /// Between `pauseAll()` and `resumeAll()`: jobs submitted meanwhile start paused.
    @exclusivity(unchecked) var pausingAll = false
    @exclusivity(unchecked) private var lastPolicy = JobPolicy(timeoutNs: 0, priority: 0, backoff: .standard, maxConsecutiveFailures: 0, retries: 0, jitterNs: 0, initialDelayNs: nil)

    // dispatch lock
    @exclusivity(unchecked) var nextWorkerIndex: Int32 = 0
    @exclusivity(unchecked) var liveThreads = 0
    let threadsExited = Condition()
    @exclusivity(unchecked) var writtenOffWorkers: [Worker] = []
    @exclusivity(unchecked) var retiredWorkerRuns = 0
    /// Workers written off after a stuck run and replaced.
    @exclusivity(unchecked) var replacedWorkerCount = 0
    /// Failed runs since start; an atomic so failing never takes another lock.
    let errorCount = Atomic<Int>(0)
    @exclusivity(unchecked) var retiredTally = StateTally()
    @exclusivity(unchecked) var retiredLateness = LatencyHistogram()

    // Timer thread stats (timerStatsLock).
    let timerStatsLock = Lock()
    @exclusivity(unchecked) var timerTally = StateTally()
    @exclusivity(unchecked) var timerTID: Int32 = 0
    @exclusivity(unchecked) var timerCPUClock: clockid_t?
    @exclusivity(unchecked) var timerWakeups = 0
    @exclusivity(unchecked) var timerLastBatch = 0
    @exclusivity(unchecked) var timerPhaseSinceNs: Int64 = 0
    @exclusivity(unchecked) var timerSleeping = false


    // Shutdown flag, read without other locks by contexts. `shutdownLock`
    // guards the flag, the instant it was set and the runs dropped for it.
    private let shutdownLock = Lock()
    @exclusivity(unchecked) private var shuttingDown = false
    @exclusivity(unchecked) private var shutdownBeganNs: Int64 = 0
    @exclusivity(unchecked) private var droppedAtShutdown: [JobID] = []

    /// Stripe locks for job records (a power of two).
    static let stripeCount = 1024

    /// Starts the engine's threads. Throws `EngineError.invalidConfiguration`
    /// for a setting out of range (`EngineConfiguration.validate()`).
    public init(_ configuration: EngineConfiguration = EngineConfiguration()) throws(EngineError) {
        try configuration.validate()
        self.configuration = configuration
        clock = configuration.clock
        stripes = (0..<Self.stripeCount).map { _ in Lock() }
        let now = clock.now()
        startedAtNs = now
        due = DueIndex(shift: configuration.timerResolutionShift, now: now)
        var queueConfigs = configuration.queues
        if !queueConfigs.contains(where: { $0.name == RunQueueConfig.defaultName }) {
            queueConfigs.insert(RunQueueConfig(checkedName: RunQueueConfig.defaultName), at: 0)
        }
        let resolution = Double(Int64(1) << Int64(configuration.timerResolutionShift))
        dispatch = Dispatcher(queues: queueConfigs, targetWorkers: configuration.workers,
                              targetLatencyNs: Swift.max(resolution, 200_000))
        events = EventLog(capacity: configuration.eventCapacity, changes: changes)
        recordRunEvents = configuration.recordRunEvents
        dispatch.lock.withLock {
            dispatch.pokeSweeper = { [unowned self] in self.pokeSweeperLocked() }
            for _ in 0..<configuration.workers { spawnWorkerLocked() }
        }
        startTimerThread()
        if clock.isManual {
            clock.onAdvance { [weak self] in self?.clockAdvanced() }
        }
        wallOffsetNs = wallNs(atMonotonic: now) - now
    }

    var isShuttingDown: Bool { shutdownLock.withLock { shuttingDown } }

    // MARK: Submission

    /// Submits a job; it is scheduled at once. Safe from any thread.
    @discardableResult
    public func submit(_ spec: JobSpec) throws -> JobID {
        try submit(contentsOf: [spec])[0]
    }

    /// Submits many jobs under one lock acquisition (fast setup at scale).
    @discardableResult
    public func submit(contentsOf specs: [JobSpec]) throws -> [JobID] {
        guard !isShuttingDown else { throw EngineError.shutDown }
        // By index: `for spec in specs` copied every spec (a retain of each
        // string and closure in it), which a million jobs feel.
        for i in specs.indices { try validate(specs[i]) }
        let now = clock.now()
        // Queue indices, looked up once per distinct name.
        var queueOf: [String: Int] = [:]
        dispatch.lock.withLock {
            // Runs of like specs share a queue: hash a name only when it changes.
            var previous: String?
            for i in specs.indices where specs[i].queue != previous {
                let name = specs[i].queue
                previous = name
                if queueOf[name] == nil { queueOf[name] = dispatch.queueIndexLocked(name) }
            }
        }
        var created = ContiguousArray<(job: Job, due: Int64)>()
        created.reserveCapacity(specs.count)
        registryLock.lock()
        // Submitted under pause-all: born paused (by all), so resume-all starts them.
        let bornPaused = pausingAll
        let firstID = UInt64(jobs.count + 1)
        var lastQueue: (name: String, index: Int) = ("", -1)
        specs.withUnsafeBufferPointer { specs in
            // Each field is read once: passing the whole spec around made two
            // copies of it per job (callgrind), which a million jobs feel.
            for i in specs.indices {
                let group = internGroupLocked(specs[i].group)
                let queueName = specs[i].queue
                if lastQueue.index < 0 || lastQueue.name != queueName {
                    lastQueue = (queueName, queueOf[queueName]!)
                }
                let schedule = specs[i].schedule
                let policy = policyLocked(timeout: specs[i].timeout, priority: specs[i].priority,
                                          backoff: specs[i].backoff, maxFailures: specs[i].maxConsecutiveFailures,
                                          retries: specs[i].retries, schedule: schedule)
                let job = Job(id: JobID(firstID + UInt64(i)), name: specs[i].name, groupIndex: group,
                              queueIndex: Int32(lastQueue.index), kind: schedule.kind, policy: policy,
                              body: specs[i].body)
                job.gridDue = firstDue(of: schedule, now: now)
                if case .cron(let expr, let missed) = schedule.kind {
                    job.gridDue = planFirstCron(job, expr, missed: missed, resumeAfter: schedule.resumeAfterTickWallNs, now: now)
                } else if let tick = schedule.resumeAfterTickWallNs, case .fixedRate(let period, let missed) = schedule.kind {
                    let plan = Cadence.fixedRate(period: period, policy: missed, due: now - (wallNs(atMonotonic: now) - tick), end: now)
                    job.gridDue = plan.nextDue
                    job.misses += plan.missed
                }
                jobs.append(job)
                if let completion = specs[i].completion { registerWorkLocked(job, completion) }
                if bornPaused {
                    job.state = .paused
                    job.pausedByAll = true
                } else {
                    created.append((job, job.nextDue))
                }
            }
        }
        controlTally.add(bornPaused ? .paused : .scheduled, count: specs.count)
        // Up to 16 jobs, an event each; a larger batch is one event that
        // counts them all (the stream's counts say how many were submitted).
        // Before the jobs can be seen (registry lock): no control on one of
        // them comes before its submission in the stream.
        let state: JobState = bornPaused ? .paused : .scheduled
        if specs.count <= 16 {
            for i in 0..<specs.count {
                events.record(.submitted, at: now, job: JobID(firstID + UInt64(i)), name: specs[i].name,
                              from: nil, to: state, cause: .submission, notify: false)
            }
        } else {
            events.record(.submitted, at: now, name: "\(specs.count) jobs", to: state, cause: .submission,
                          count: specs.count, notify: false)
        }
        // Lock order registry → due (nothing takes them the other way).
        due.lock.lock()
        due.insertLocked(contentsOf: created)
        due.lock.unlock()
        registryLock.unlock()
        changes.notify()
        return (0..<UInt64(specs.count)).map { JobID(firstID + $0) }
    }

    private func validate(_ spec: JobSpec) throws(EngineError) {
        if !spec.schedule.isPlainlyValid {
            do { try spec.schedule.validate() } catch { throw .invalidSchedule("job '\(spec.name)': \(error)") }
        }
        if let t = spec.timeout, t.nanoseconds > Schedule.longestSpanNs { throw EngineError.invalid("job '\(spec.name)': timeout must be at most 100 years") }
        if let b = spec.backoff, b.capNs > Schedule.longestSpanNs { throw EngineError.invalid("job '\(spec.name)': back-off cap must be at most 100 years") }
        if let t = spec.timeout, t.nanoseconds <= 0 { throw EngineError.invalid("job '\(spec.name)': timeout must be positive") }
        if let m = spec.maxConsecutiveFailures, m < 1 { throw EngineError.invalid("job '\(spec.name)': maxConsecutiveFailures must be at least 1") }
        if !(0...JobSpec.maxRetries).contains(spec.retries) {
            throw EngineError.invalid("job '\(spec.name)': retries must be 0…\(JobSpec.maxRetries) (got \(spec.retries))")
        }
        if spec.name.isEmpty { throw EngineError.invalid("a job needs a name") }
    }

    private func internGroupLocked(_ name: String) -> Int32 {
        if lastGroup.index >= 0 && lastGroup.name == name { return lastGroup.index }
        if let i = groupIndex[name] { lastGroup = (name, i); return i }
        groupNames.append(name)
        groupIndex[name] = Int32(groupNames.count - 1)
        return Int32(groupNames.count - 1)
    }

    /// The shared policy for these settings: the last one made, if it matches
    /// (a bulk submit of like jobs allocates one), else a new one.
    private func policyLocked(timeout: Duration?, priority: Int, backoff: Backoff?, maxFailures: Int?,
                              retries: Int, schedule: Schedule) -> JobPolicy {
        let d = lastPolicy
        let timeoutNs = timeout?.nanoseconds ?? 0
        if d.timeoutNs == timeoutNs && d.priority == priority && d.backoff == backoff
            && d.maxConsecutiveFailures == (maxFailures ?? 0) && d.retries == retries && d.jitterNs == schedule.jitterNs
            && d.initialDelayNs == schedule.initialDelayNs {
            return d
        }
        lastPolicy = JobPolicy(timeoutNs: timeoutNs, priority: priority, backoff: backoff,
                               maxConsecutiveFailures: maxFailures ?? 0, retries: retries, jitterNs: schedule.jitterNs,
                               initialDelayNs: schedule.initialDelayNs)
        return lastPolicy
    }

    /// The first due time of a schedule.
    func firstDue(of schedule: Schedule, now: Int64) -> Int64 {
        let start = schedule.firstAtNs ?? (now + (schedule.initialDelayNs ?? 0))
        switch schedule.kind {
        case .fixedRate, .fixedDelay: return start
        case .once(let after): return now + after
        case .onceAt(let at): return at
        case .adaptive(let first): return now + first
        case .cron: return 0   // set by `planFirstCron` once the job exists
        }
    }

    /// An adaptive job that asks to repeat without ever naming a delay waits this.
    static let minimumAdaptiveDelayNs: Int64 = 1_000_000_000

    /// The job with this id, if known and not forgotten. Registry lock taken.
    func job(_ id: JobID) -> Job? {
        registryLock.withLock { lookupLocked(id) }
    }

    func lookupLocked(_ id: JobID) -> Job? {
        jobs[id.slot]
    }

    /// Marks shutdown as begun (once) and returns the instant it began.
    func setShuttingDown() -> Int64 {
        shutdownLock.withLock {
            if !shuttingDown { shuttingDown = true; shutdownBeganNs = clock.now() }
            return shutdownBeganNs
        }
    }

    /// The start instant of a run about to begin, or nil once shutdown has
    /// begun (the run is then dropped and listed in the report). Check and
    /// reading share the lock shutdown sets its flag under, so every run that
    /// starts started before `ShutdownReport.beganAtNs`.
    func startInstantUnlessShuttingDown(dropping id: JobID) -> Int64? {
        shutdownLock.withLock {
            if shuttingDown { droppedAtShutdown.append(id); return nil }
            return clock.now()
        }
    }

    /// Runs a worker dropped at their start because shutdown had begun.
    func runsDroppedAtShutdown() -> [JobID] { shutdownLock.withLock { droppedAtShutdown } }
}
