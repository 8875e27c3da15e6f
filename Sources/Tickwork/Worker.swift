/// One OS thread of the pool.
///
/// Thread-safety, by field group:
/// - `inIdleList`, `retire`, `writtenOff`: the dispatcher's lock
///   (`wakeCondition` waits with it).
/// - `sleepDeadline`, `sleepWoken`: the due index's lock (`sleepCondition`
///   waits with it).
/// - everything under "stats": `statsLock`, written by the worker's own thread
///   (and by the timer when it writes a run off as stuck), read by snapshot
///   readers and the timer (timeouts).
/// - `decision`, `decisionFor`: no lock; only the worker's own thread, in its run.
final class Worker: @unchecked Sendable {
    let index: Int32
    let wakeCondition = Condition()
    let sleepCondition = Condition()

    // Dispatcher lock.
    /// In `Dispatcher.idle` (at most once: a spurious wake-up must not add it twice).
    @exclusivity(unchecked) var inIdleList = false
    @exclusivity(unchecked) var retire = false
    @exclusivity(unchecked) var writtenOff = false

    // Due-index lock.
    @exclusivity(unchecked) var sleepDeadline: Int64 = .max
    @exclusivity(unchecked) var sleepWoken = false
    /// The current run does not count as in flight right now (asleep in its
    /// context, or written off).
    @exclusivity(unchecked) var uncounted = false
    /// Written off: the current run never counts as in flight again.
    @exclusivity(unchecked) var countReleased = false
    /// Asked to leave the sweeping duty (queued work, retirement).
    @exclusivity(unchecked) var sweepPoked = false

    // The worker's own thread: what its current run decided through its
    // context (`runAgain(after:)`, `retire()`), and for which job and run.
    @exclusivity(unchecked) var decision: RunDecision = .reschedule
    @exclusivity(unchecked) var decisionFor: (job: JobID, run: Int) = (JobID(0), 0)

    // Stats (statsLock).
    let statsLock = Lock()
    @exclusivity(unchecked) var tid: Int32 = 0
    @exclusivity(unchecked) var cpuClock: clockid_t?
    @exclusivity(unchecked) var phase: WorkerPhase = .idle
    @exclusivity(unchecked) var currentJob: Job?
    @exclusivity(unchecked) var phaseSinceNs: Int64 = 0
    /// What the run waits on while `phase == .waiting`.
    @exclusivity(unchecked) var waitingOn: String?
    /// When the current run started (a sleep inside it changes the phase, not this).
    @exclusivity(unchecked) var runStartNs: Int64 = 0
    @exclusivity(unchecked) var runDeadlineNs: Int64 = .max
    @exclusivity(unchecked) var runs = 0
    @exclusivity(unchecked) var busyNs: Int64 = 0
    @exclusivity(unchecked) var tally = StateTally()
    @exclusivity(unchecked) var lateness = LatencyHistogram()

    init(index: Int32) { self.index = index }
}

#if canImport(Glibc)
import Glibc
#endif

extension Engine {
    /// Starts a new worker thread and adds it to the pool. Dispatcher lock held.
    func spawnWorkerLocked() {
        nextWorkerIndex += 1
        let worker = Worker(index: nextWorkerIndex)
        dispatch.workers.append(worker)
        liveThreads += 1
        startThread(name: "tickwork-w\(worker.index)") { [self] in self.workerMain(worker) }
    }

    func workerMain(_ worker: Worker) {
        ThreadInfo.setName("tickwork-w\(worker.index)")
        let started = clock.now()
        worker.statsLock.withLock {
            worker.tid = ThreadInfo.currentTID()
            worker.cpuClock = ThreadInfo.currentCPUClock()
            worker.phaseSinceNs = started
        }
        var lastQueue = -1
        var lastDuration: Int64 = 0
        var sweepBuffers = SweepBuffers()
        while true {
            dispatch.lock.lock()
            if lastQueue >= 0 { dispatch.noteRunLocked(queue: lastQueue, durationNs: lastDuration); lastQueue = -1 }
            var item: RunItem?
            while true {
                if worker.writtenOff || worker.retire || dispatch.stopping { break }
                if let next = dispatch.popLocked() { item = next; break }
                if sweepAsIdleWorker(worker, buffers: &sweepBuffers) { continue }
                if !worker.inIdleList { worker.inIdleList = true; dispatch.idle.append(worker) }
                worker.wakeCondition.wait(dispatch.lock)
            }
            guard let run = item else {
                // Leaving the pool.
                if worker.inIdleList, let i = dispatch.idle.firstIndex(where: { $0 === worker }) {
                    dispatch.idle.remove(at: i)
                    worker.inIdleList = false
                }
                dispatch.lock.unlock()
                retireWorker(worker)
                return
            }
            // More waiting than this worker can start in time: wake a helper.
            dispatch.wakeForBacklogLocked()
            dispatch.lock.unlock()

            lastQueue = Int(run.job.queueIndex)
            lastDuration = execute(run, on: worker)
            if worker.writtenOff(in: dispatch) {
                retireWorker(worker)
                return
            }
        }
    }

    /// Runs one item; returns the run's duration in ns.
    func execute(_ run: RunItem, on worker: Worker) -> Int64 {
        let job = run.job
        let stripe = stripes[job.stripe]
        stripe.lock()
        let before = job.lifecycle
        guard before.state == .queued else {
            // Paused or cancelled while it waited: the run is dropped.
            stripe.unlock()
            due.lock.withLock { due.finishLocked(1) }
            return 0
        }
        let start = startInstantUnlessShuttingDown(dropping: job.id)
        guard let outcome = JobLifecycle.apply(.started(shuttingDown: start == nil), to: before) else {
            preconditionFailure("a queued job always starts or is cancelled")
        }
        job.lifecycle = outcome.fields
        guard let start else {
            // Taken from its queue just before shutdown closed them: it never starts.
            events.record(.cancelled, at: clock.now(), job: job.id, name: job.name, from: .queued, to: outcome.fields.state,
                          cause: .shutdown, notify: false)
            stripe.unlock()
            worker.statsLock.withLock { worker.tally.move(.queued, outcome.fields.state) }
            due.lock.withLock { due.finishLocked(1) }
            return 0
        }
        job.worker = worker.index
        // The previous start, for usage (duration ÷ time between starts):
        // read before this run's start replaces it.
        let previousStart = job.runs > 0 ? job.lastStartNs : start
        job.lastStartNs = start
        let runNumber = job.runs + 1
        // A retry of a failed tick (not a run by hand meanwhile): which one,
        // and the tick's own due time.
        let retry = job.extras.flatMap { e in
            e.retryAttempt > 0 && e.manualRunBack == nil ? (attempt: Int(e.retryAttempt), tickDue: e.retryTickGridNs) : nil
        }
        // Under the job's lock: the stream keeps each job's order.
        if recordRunEvents {
            events.record(.started, at: start, job: job.id, name: job.name, from: .queued, to: outcome.fields.state,
                          worker: worker.index, cause: .run, notify: false)
        }
        stripe.unlock()
        // The job most likely goes back into this slot when the run ends:
        // start loading its last block now, so the miss overlaps the run.
        // (The sweep that queued the run asked for the slot's block number.)
        if let next = job.likelyNextDue(due: run.due, start: start) { due.wheel.prefetchSlotEnd(forDue: next) }

        let timeout = job.policy.timeoutNs
        worker.statsLock.lock()
        worker.tally.move(.queued, .running)
        worker.phase = .running
        worker.currentJob = job
        worker.phaseSinceNs = start
        worker.runStartNs = start
        worker.runDeadlineNs = timeout > 0 ? start + timeout : .max
        worker.statsLock.unlock()
        if timeout > 0 { wakeTimer(before: start + timeout) }
        changes.notify()

        var failure: (any Error)?
        do {
            try job.body(JobContext(engine: self, job: job, worker: worker, due: run.due, run: runNumber, startNs: start,
                                    retry: retry?.attempt ?? 0, tickDue: retry?.tickDue ?? run.due))
        } catch {
            failure = error
        }
        let decided = worker.decisionFor
        let decision = decided.job.rawValue == job.id.rawValue && decided.run == runNumber ? worker.decision : .reschedule
        let end = clock.now()
        let duration = end - start
        finishRun(job: job, worker: worker, due: run.due, start: start, previousStart: previousStart, end: end,
                  runNumber: runNumber, decision: decision, failure: failure)
        return duration
    }
}

extension Engine {
    /// Removes an ending worker from the pool's lists and folds its counters
    /// into the engine's totals (state counts stay exact), then counts the
    /// thread as gone.
    func retireWorker(_ worker: Worker) {
        dispatch.lock.lock()
        if let i = dispatch.workers.firstIndex(where: { $0 === worker }) { dispatch.workers.remove(at: i) }
        if let i = writtenOffWorkers.firstIndex(where: { $0 === worker }) { writtenOffWorkers.remove(at: i) }
        worker.statsLock.lock()
        worker.currentJob = nil
        retiredTally.merge(worker.tally)
        retiredWorkerRuns += worker.runs
        retiredLateness.merge(worker.lateness)
        worker.statsLock.unlock()
        liveThreads -= 1
        threadsExited.broadcast()
        dispatch.lock.unlock()
        changes.notify()
    }
}

extension Worker {
    func writtenOff(in dispatch: Dispatcher) -> Bool { dispatch.lock.withLock { writtenOff } }
}
