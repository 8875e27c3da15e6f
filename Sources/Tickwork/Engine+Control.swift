/// Control calls. Each is safe from any thread and returns at once: none
/// waits for a running job (a run in progress is told, and finishes).
extension Engine {
    /// Stops dispatching the job. A run in progress finishes first; the job
    /// then shows `paused`. Returns false if there was nothing to pause.
    @discardableResult
    public func pause(_ id: JobID) -> Bool { pause(id, byAll: false) }

    /// Puts a paused job back on its schedule. Missed ticks are not run in a
    /// burst unless its policy is `.catchUp`. A job that failed for good is
    /// given a fresh start at once.
    @discardableResult
    public func resume(_ id: JobID) -> Bool {
        guard let job = job(id) else { return false }
        return resume(job, onlyIfPausedByAll: false)
    }

    /// Cancels the job. A queued or scheduled run never starts; a running one
    /// is told through its context (and woken from its sleep) and the job
    /// shows `cancelling` until the run returns.
    @discardableResult
    public func cancel(_ id: JobID) -> Bool {
        guard let job = job(id) else { return false }
        return cancel(job)
    }

    /// Pauses, resumes or cancels every job of a group; returns how many changed.
    @discardableResult
    public func pauseGroup(_ group: String) -> Int { jobsOfGroup(group).filter { pause($0.id, byAll: false) }.count }
    @discardableResult
    public func resumeGroup(_ group: String) -> Int { jobsOfGroup(group).filter { resume($0, onlyIfPausedByAll: false) }.count }
    @discardableResult
    public func cancelGroup(_ group: String) -> Int { jobsOfGroup(group).filter { cancel($0) }.count }

    /// Pauses every job, exactly as `resumeAll()` undoes it:
    /// - a scheduled, queued or retrying job is paused at once;
    /// - a running run finishes, then its job is paused (the pause is marked as pause-all's);
    /// - a job submitted before `resumeAll()` starts paused;
    /// - a job already paused (or pausing) by hand is left as it is and stays paused after `resumeAll()`.
    /// Returns how many jobs it paused or will pause.
    @discardableResult
    public func pauseAll() -> Int {
        let all = registryLock.withLock { pausingAll = true; return allJobsLocked() }
        return all.filter { pause($0.id, byAll: true) }.count
    }

    /// Undoes `pauseAll()`: every job it paused (or was going to pause after
    /// its run) goes back on its schedule; jobs paused by hand stay paused.
    @discardableResult
    public func resumeAll() -> Int {
        let all = registryLock.withLock { pausingAll = false; return allJobsLocked() }
        return all.filter { resume($0, onlyIfPausedByAll: true) }.count
    }

    /// Stops (or restarts) workers taking runs from a queue; runs keep queueing
    /// up to its capacity. Returns false if the queue already was so.
    @discardableResult
    public func setQueuePaused(_ name: String, _ paused: Bool) throws -> Bool {
        let changed: Bool = try dispatch.lock.withLock {
            guard let i = dispatch.queueIndexByName[name] else { throw EngineError.unknownQueue(name) }
            let was = dispatch.queues[i].paused
            dispatch.queues[i].paused = paused
            if !paused { dispatch.wakeForBacklogLocked() }
            return was != paused
        }
        if changed { events.record(paused ? .queuePaused : .queueResumed, at: clock.now(), name: name, cause: .control) }
        return changed
    }

    /// Adds a run queue. Returns false if one with that name exists; throws
    /// for settings out of range.
    @discardableResult
    public func addQueue(_ config: RunQueueConfig) throws(EngineError) -> Bool {
        try config.validate()
        return dispatch.addQueue(config)
    }

    /// Resizes the pool: growing starts threads at once; shrinking retires
    /// idle workers at once and busy ones when their current run ends.
    /// Throws for a count outside 0…`EngineConfiguration.maximumWorkers`.
    @discardableResult
    public func setWorkerCount(_ count: Int) throws(EngineError) -> Bool {
        guard (0...EngineConfiguration.maximumWorkers).contains(count) else {
            throw .invalidConfiguration("workers must be 0…\(EngineConfiguration.maximumWorkers) (got \(count))")
        }
        let n = count
        let before: Int = dispatch.lock.withLock {
            let active = dispatch.workers.filter { !$0.retire }
            dispatch.targetWorkers = n
            if active.count < n {
                for _ in active.count..<n where !dispatch.stopping { spawnWorkerLocked() }
            } else if active.count > n {
                var excess = active.count - n
                // Idle ones first (they leave at once), then the most recent.
                for w in dispatch.idle.reversed() where excess > 0 && !w.retire {
                    w.retire = true; w.wakeCondition.signal(); excess -= 1
                }
                for w in active.reversed() where excess > 0 && !w.retire {
                    w.retire = true; w.wakeCondition.signal(); excess -= 1
                }
                pokeSweeperLocked()  // a retiring sweeper must notice
            }
            return active.count
        }
        if before != n { events.record(.poolResized, at: clock.now(), name: "pool", message: "\(before) → \(n) workers", cause: .control) }
        return before != n
    }

    /// The pool size asked for.
    public var workerCount: Int { dispatch.lock.withLock { dispatch.targetWorkers } }

    /// Workers written off after a stuck run and replaced, since the start
    /// (also in `snapshot()`; this reads it alone).
    public var workersReplaced: Int { dispatch.lock.withLock { replacedWorkerCount } }

    // MARK: - Internals

    func jobsOfGroup(_ group: String) -> [Job] {
        registryLock.withLock {
            guard let g = groupIndex[group] else { return [] }
            return jobs.liveJobs().filter { $0.groupIndex == g }
        }
    }

    /// Every job still in the table. Registry lock held.
    func allJobsLocked() -> [Job] { jobs.liveJobs() }

    func pause(_ id: JobID, byAll: Bool) -> Bool {
        guard let job = job(id) else { return false }
        return control(.pause(byAll: byAll), job)
    }

    func resume(_ job: Job, onlyIfPausedByAll: Bool) -> Bool { control(.resume(onlyIfPausedByAll: onlyIfPausedByAll), job) }

    func cancel(_ job: Job) -> Bool { control(.cancel, job) }

    /// Applies a person's control to a job: `JobLifecycle` decides, this
    /// stores the outcome under the job's stripe lock and carries out its
    /// effects after. Returns false when there was nothing to do.
    private func control(_ input: JobLifecycle.Control, _ job: Job) -> Bool {
        let now = clock.now()
        let stripe = stripes[job.stripe]
        stripe.lock()
        let before = job.lifecycle
        guard let outcome = JobLifecycle.apply(input, to: before) else {
            stripe.unlock()
            return false
        }
        job.lifecycle = outcome.fields
        let effects = outcome.effects
        if effects.contains(.dropRetry) { dropRetryLocked(job) }
        if effects.contains(.dropRunByHand) { job.extras?.manualRunBack = nil }
        if effects.contains(.freshStart) {
            job.consecutiveFailures = 0
            job.gridDue = now
        }
        if effects.contains(.planAfterPause) { planAfterPauseLocked(job, now: now) }
        let at = job.nextDue, sleeper = job.worker
        let to = outcome.fields.state
        // Under the job's lock, before any effect lets the job move on (a
        // woken run ending): the stream keeps each job's order.
        if let event = outcome.event {
            events.record(event, at: now, job: job.id, name: job.name, message: outcome.message,
                          from: before.state, to: to, worker: sleeper, cause: .control, notify: false)
        }
        stripe.unlock()
        if to != before.state { registryLock.withLock { controlTally.move(before.state, to) } }
        if effects.contains(.removeFromQueue) { dropQueuedRuns(of: job) }
        if effects.contains(.insertDue) { due.lock.withLock { due.insertLocked(job, due: at) } }
        if effects.contains(.wakeSleeper) && sleeper >= 0 { wakeSleeper(workerIndex: sleeper) }
        changes.notify()
        if effects.contains(.noteFinished) { noteFinished(job) }
        return true
    }

    /// The next due of a job resumed after a pause: ticks missed meanwhile
    /// follow the missed-tick policy; a cron job skips the fire times that
    /// passed, and a pending one follows the wall clock. Stripe lock held.
    private func planAfterPauseLocked(_ job: Job, now: Int64) {
        switch job.kind {
        case .fixedRate(let p, let policy):
            job.gridDue = Cadence.resumeFixedRate(period: p, policy: policy, pendingDue: job.gridDue, now: now).nextDue
        case .cron(let expr, _):
            job.gridDue = planCronSkipping(job, expr, now: now)
        case .fixedDelay, .adaptive, .once, .onceAt:
            job.gridDue = Swift.max(job.gridDue, now)
        }
    }

    /// Removes a job's waiting runs from its queue and closes their in-flight
    /// count. (A worker that popped the run already sees the new state and
    /// drops it itself; each run is closed exactly once.)
    private func dropQueuedRuns(of job: Job) {
        let removed = dispatch.lock.withLock { dispatch.queues[Int(job.queueIndex)].remove(job: job) }
        if removed > 0 { due.lock.withLock { due.finishLocked(removed) } }
    }
}
