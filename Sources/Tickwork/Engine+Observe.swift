#if canImport(Glibc)
import Glibc
#endif

/// Observation: snapshots, job windows, events. Readers take each lock
/// briefly and never while a job runs, so observing does not stall dispatch.
extension Engine {
    /// Takes a snapshot: cumulative counters, no rates. A reader derives
    /// those over its own interval (`SnapshotRates`, `withRates(since:)`),
    /// so any number of readers can sample one engine.
    public func snapshot() -> EngineSnapshot {
        let now = clock.now()
        // Per-state counts: every thread's tally, summed (`stateTally`, which job windows use too).
        let tally = stateTally()
        var total = 0, forgotten = 0, keptFinished = 0, keptBytes = 0
        var pausedAll = false
        registryLock.withLock {
            pausedAll = pausingAll
            total = jobs.count
            forgotten = jobs.forgotten
            keptFinished = finishedOrder.count
            keptBytes = finishedBytes
        }
        var timer = TimerInfo(tid: 0, cpuNs: 0, cpuFraction: 0, wakeups: 0, lastBatch: 0, sleeping: false,
                              sinceNs: 0, resolutionNs: due.resolutionNs)
        timerStatsLock.withLock {
            timer.tid = timerTID
            timer.cpuNs = ThreadInfo.cpuNanoseconds(timerCPUClock)
            timer.wakeups = timerWakeups
            timer.lastBatch = timerLastBatch
            timer.sleeping = timerSleeping
            timer.sinceNs = timerPhaseSinceNs
        }
        var workers: [WorkerInfo] = []
        var lateness = LatencyHistogram()
        var runs = 0
        var queues: [QueueInfo] = []
        var target = 0
        var replaced = 0
        dispatch.lock.withLock {
            lateness.merge(retiredLateness)
            runs += retiredWorkerRuns
            target = dispatch.targetWorkers
            replaced = replacedWorkerCount
            for w in dispatch.workers + writtenOffWorkers {
                w.statsLock.withLock {
                    lateness.merge(w.lateness)
                    runs += w.runs
                    let running = w.phase == .running || w.phase == .sleeping || w.phase == .waiting || w.phase == .stuck
                    // Busy covers the whole run, sleeps inside it included (the worker
                    // cannot take other work meanwhile).
                    let busy = w.busyNs + (running ? now - w.runStartNs : 0)
                    workers.append(WorkerInfo(
                        index: Int(w.index), tid: w.tid, phase: w.phase, jobID: w.currentJob?.id,
                        jobName: w.currentJob?.name, sinceNs: w.phaseSinceNs, runs: w.runs,
                        busyNs: busy, busyFraction: 0, cpuNs: ThreadInfo.cpuNanoseconds(w.cpuClock),
                        cpuFraction: 0, retiring: w.retire, waitingOn: w.phase == .waiting ? w.waitingOn : nil))
                }
            }
            for q in dispatch.queues {
                queues.append(QueueInfo(
                    name: q.config.name, depth: q.depth, capacity: q.config.capacity, order: q.config.order,
                    whenFull: q.config.whenFull, overflow: q.overflow, paused: q.paused,
                    oldestWaitNs: q.oldestEnqueuedNs.map { Swift.max(0, now - $0) } ?? 0,
                    enqueued: q.enqueued, dequeued: q.dequeued, maxDepth: q.maxDepth, enqueueRate: 0, dequeueRate: 0))
            }
        }
        workers.sort { $0.index < $1.index }
        var byState: [JobState: Int] = [:]
        for s in JobState.allCases { byState[s] = tally[s] }
        var snapshot = EngineSnapshot(takenAtNs: now, uptimeNs: now - startedAtNs, jobsByState: byState, totalJobs: total,
                              forgottenJobs: forgotten, runs: runs, runsPerSecond: nil, lateness: lateness,
                              workers: workers, timer: timer, queues: queues, targetWorkers: target,
                              lastEventSeq: events.lastSeq, eventCounts: events.countsByKind, isShuttingDown: isShuttingDown,
                              errors: errorCount.load(ordering: .relaxed), workersReplaced: replaced,
                              pausedAll: pausedAll, keptFinishedJobs: keptFinished, keptFinishedBytes: keptBytes)
        snapshot.eventCapacity = events.capacity
        return snapshot
    }

    /// Everything kept about one job, or nil if unknown or forgotten.
    public func detail(_ id: JobID) -> JobDetail? {
        guard let job = job(id) else { return nil }
        let groups = registryLock.withLock { groupNames }
        let queueNames = dispatch.lock.withLock { dispatch.queues.map(\.config.name) }
        let base = info(job, groups: groups, queues: queueNames)
        return stripes[job.stripe].withLock {
            JobDetail(info: base, recentErrors: job.extras?.recentErrors.elements ?? [], log: job.extras?.logLines.elements ?? [],
                      durationHistoryNs: job.extras?.durationHistory.elements ?? [],
                      latenessHistoryNs: job.extras?.latenessHistory.elements ?? [])
        }
    }

    /// One job's current record.
    public func info(_ id: JobID) -> JobInfo? {
        guard let job = job(id) else { return nil }
        let groups = registryLock.withLock { groupNames }
        let queueNames = dispatch.lock.withLock { dispatch.queues.map(\.config.name) }
        return info(job, groups: groups, queues: queueNames)
    }

    /// Events after sequence number `after` (0: from the oldest kept).
    public func events(after: UInt64, limit: Int = 1000) -> EventBatch { events.events(after: after, limit: limit) }

    /// Blocks until a manual clock's engine has nothing left to do at the
    /// current time: nothing due, queued or running (runs asleep in their
    /// context wait for the clock; so do queued runs when every worker is
    /// asleep in a job). Tests call it after `advance`; it waits
    /// on a condition, never on elapsed engine time. If the engine has not
    /// settled after `limit` of real time, something is stuck: it stops the
    /// process with a dump of the engine's accounting rather than hang.
    public func settle(limit: Duration = .seconds(20)) {
        precondition(clock.isManual, "settle() is for engines driven by a ManualClock")
        let giveUp = monotonicNanoseconds() + limit.nanoseconds
        due.lock.lock()
        due.settleWaiters += 1
        var knownPool: Int?
        var knownOverdue = false
        while !due.stopping {
            let now = clock.now()
            let nothingDue = (due.wheel.nextWake() ?? .max) > now || due.wheel.count == 0
            let quiet = due.inFlight == 0 && nothingDue
            // Every worker asleep inside a job until a later time: the
            // queued runs wait for the clock too (a saturated pool).
            let allAsleep = nothingDue && (!due.sleepers.isEmpty || due.waiters > 0)
                && due.sleepers.allSatisfy({ $0.uncounted && !$0.sleepWoken && $0.sleepDeadline > now })
            if quiet || allAsleep {
                if let pool = knownPool {
                    // A run past its timeout is not settled until the timer
                    // has written it off (under load it may not have yet).
                    if !knownOverdue && (quiet || due.sleepers.count + due.waiters >= pool) { break }
                    if knownOverdue { due.timerCondition.broadcast() }
                } else {
                    // The pool's size needs the dispatcher's lock, which is
                    // never taken inside this one: step out, then look again.
                    due.lock.unlock()
                    (knownPool, knownOverdue) = dispatch.lock.withLock {
                        (dispatch.workers.count, dispatch.workers.contains { w in w.statsLock.withLock { w.runDeadlineNs <= now } })
                    }
                    due.lock.lock()
                    continue
                }
            }
            if due.inFlight == 0 { due.timerCondition.broadcast() }
            knownPool = nil
            if !due.settleCondition.wait(due.lock, untilMonotonicNs: giveUp), monotonicNanoseconds() >= giveUp {
                let inFlight = due.inFlight, entries = due.wheel.count, next = due.wheel.nextWake()
                let sleepers = due.sleepers.map { "w\($0.index):" + ($0.sleepWoken ? "woken" : "\($0.sleepDeadline)") }
                due.lock.unlock()
                fatalError("settle(): engine did not settle: inFlight=\(inFlight) wheelEntries=\(entries) nextWake=\(String(describing: next)) now=\(now) sleepers=\(sleepers)\n\(debugDescription)")
            }
        }
        due.settleWaiters -= 1
        due.lock.unlock()
    }

    /// The engine's internal accounting, for diagnosing a stuck test.
    public var debugDescription: String {
        let (depths, idle, workers) = dispatch.lock.withLock {
            (dispatch.queues.map { "\($0.config.name)=\($0.depth)" }, dispatch.idle.map(\.index),
             dispatch.workers.map(\.index))
        }
        var text = "queues \(depths) idle \(idle) workers \(workers)\n"
        for w in dispatch.lock.withLock({ dispatch.workers }) {
            w.statsLock.withLock { text += "w\(w.index) \(w.phase) job \(w.currentJob.map { "\($0.id) \($0.name)" } ?? "-")\n" }
        }
        for job in registryLock.withLock({ allJobsLocked() }) {
            stripes[job.stripe].withLock { text += "\(job.id) \(job.name) \(job.state) due \(job.nextDue) runs \(job.runs)\n" }
        }
        return text
    }

    func info(_ job: Job, groups: [String], queues: [String]) -> JobInfo {
        let scheduleText = Schedule(kind: job.kind, initialDelayNs: job.policy.initialDelayNs, jitterNs: job.policy.jitterNs).description
        return stripes[job.stripe].withLock {
            let sampledAt = clock.now()
            let ran = job.runs > 0 && job.lastDurationNs >= 0
            var info = JobInfo(
                id: job.id, name: job.name, group: groups[Int(job.groupIndex)], queue: queues[Int(job.queueIndex)],
                state: job.state, schedule: scheduleText,
                nextDueNs: Self.isDue(job) ? job.nextDue : nil,
                runs: job.runs, errors: job.errors, timeouts: job.extras?.timeouts ?? 0, misses: job.misses, overflows: job.overflows,
                consecutiveFailures: Int(job.consecutiveFailures),
                backoffNs: job.policy.backoff.flatMap { b in
                    job.consecutiveFailures > 0
                        ? Cadence.backoff(failures: Int(job.consecutiveFailures), initial: b.initialNs, cap: b.capNs) : nil
                },
                lastStartNs: job.runs > 0 || job.state == .running || job.state == .sleeping ? job.lastStartNs : nil,
                lastDurationNs: ran ? job.lastDurationNs : nil,
                meanDurationNs: ran ? job.totalDurationNs / Int64(job.runs) : nil,
                maxDurationNs: ran ? job.maxDurationNs : nil,
                lastLatenessNs: job.runs > 0 ? job.lastLatenessNs : nil,
                meanLatenessNs: job.runs > 0 ? job.totalLatenessNs / Int64(job.runs) : nil,
                totalLatenessNs: job.totalLatenessNs, usage: Double(job.usage),
                progress: job.extras?.progress, status: job.extras?.statusText, lastError: job.extras?.lastError,
                stuck: job.stuck, gaveUp: job.gaveUp, pausePending: job.pauseAfterRun,
                worker: job.worker >= 0 ? Int(job.worker) : nil, sampledAtNs: sampledAt,
                retries: job.policy.retries, pendingRetry: Int(job.extras?.retryAttempt ?? 0))
            info.totalDurationNs = job.totalDurationNs
            return info
        }
    }
}
