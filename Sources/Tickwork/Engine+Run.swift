/// The end of a run, the context's sleep, and how a manual clock wakes sleepers.
extension Engine {
    /// Records a finished run and plans the job's future. Called on the
    /// worker that ran it; takes the job's stripe lock, then the due lock.
    func finishRun(job: Job, worker: Worker, due: Int64, start: Int64, previousStart: Int64, end: Int64, runNumber: Int,
                   decision: RunDecision, failure: (any Error)?) {
        let duration = end - start
        let stripe = stripes[job.stripe]
        var reinsertAt: Int64?
        var event: EngineEvent.Kind?
        var message = ""
        stripe.lock()
        // The timer may have written this run off as stuck; it recorded the run then.
        let wasStuck = job.stuck && job.worker == worker.index
        let from = job.state
        if !wasStuck {
            recordRunLocked(job, start: start, previousStart: previousStart, duration: duration, lateness: start - due)
            if let failure {
                message = String(describing: failure)
                recordFailureLocked(job, message: message, at: end, run: runNumber, timedOut: false)
            } else {
                job.consecutiveFailures = 0
            }
        }
        job.stuck = false
        job.worker = -1
        // A run by hand leaves the schedule as it was (`runNow`).
        let byHand = job.extras?.manualRunBack
        if byHand != nil { job.extras?.manualRunBack = nil }
        var to: JobState
        if from == .cancelling || from == .cancelled || isShuttingDown {
            to = .cancelled
            event = .cancelled
        } else if let back = byHand {
            (to, reinsertAt) = planAfterRunByHandLocked(job, back: back, succeeded: failure == nil && !wasStuck, end: end)
            if failure != nil || wasStuck { event = .failed } else if to == .retired { event = .retired }
        } else if failure != nil || wasStuck {
            to = .failed
            event = .failed
            restoreRetriedTickLocked(job)
            let retriesMade = Int(job.extras?.retryAttempt ?? 0)
            let limit = job.policy.maxConsecutiveFailures
            if limit > 0 && Int(job.consecutiveFailures) >= limit {
                job.gaveUp = true
                job.extras?.retryAttempt = 0
                message += " (gave up after \(job.consecutiveFailures) failures in a row)"
            } else if let retryAt = planRetryLocked(job, end: end) {
                reinsertAt = retryAt
                message += retryNote(job, at: retryAt, end: end)
            } else if !job.isRecurring {
                job.gaveUp = true
                if job.policy.retries > 0 { message += " (gave up: \(job.policy.retries) retries failed)" }
            } else {
                if job.policy.retries > 0 { message += retriesOverNote(job, made: retriesMade) }
                reinsertAt = planNextLocked(job, decision: .reschedule, end: end)
                if let backoff = job.policy.backoff, let next = reinsertAt {
                    let wait = Cadence.backoff(failures: Int(job.consecutiveFailures), initial: backoff.initialNs, cap: backoff.capNs)
                    if end + wait > next { reinsertAt = delayLocked(job, to: end + wait) }
                }
            }
            if reinsertAt == nil && !job.gaveUp { to = .retired }
        } else {
            dropRetryLocked(job)
            reinsertAt = planNextLocked(job, decision: decision, end: end)
            to = reinsertAt == nil ? .retired : .scheduled
            if to == .retired { event = .retired }
        }
        if reinsertAt != nil, job.pauseAfterRun {
            // Paused: the job keeps its next due time (`gridDue`), less a
            // pending retry (resume follows the schedule from the tick).
            dropRetryLocked(job)
            job.pauseAfterRun = false
            reinsertAt = nil
            to = .paused
            event = event ?? .paused
        }
        job.pauseAfterRun = false
        if to != .paused { job.pausedByAll = false }
        job.state = to
        let dispatchDue = reinsertAt != nil ? job.nextDue : 0
        // Under the job's lock: the stream keeps each job's order.
        let cause: EngineEvent.Cause = isShuttingDown && from != .cancelling && from != .cancelled ? .shutdown : .run
        if recordRunEvents && event == nil {
            events.record(.finished, at: end, job: job.id, name: job.name, from: from, to: to, worker: worker.index,
                          cause: cause, notify: false)
        }
        if let event {
            events.record(event, at: end, job: job.id, name: job.name, message: message, from: from, to: to,
                          worker: worker.index, cause: cause, notify: false)
        }
        stripe.unlock()

        // Bookkeeping first, the in-flight release last: `settle()` returns
        // on that release and must find every count and event in place.
        worker.statsLock.lock()
        // Written off by the timer: it closes this run's in-flight count.
        let writtenOffRun = worker.phase == .stuck
        worker.tally.move(from, to)
        worker.runs += 1
        worker.busyNs += duration
        worker.lateness.record(nanoseconds: start - due)
        if worker.phase != .stuck { worker.phase = .idle; worker.currentJob = nil; worker.phaseSinceNs = end }
        worker.runDeadlineNs = .max
        worker.statsLock.unlock()
        changes.notify()
        if to.isFinal || (to == .failed && reinsertAt == nil) { noteFinished(job) }

        self.due.lock.lock()
        if reinsertAt != nil { self.due.insertLocked(job, due: dispatchDue) }
        if !worker.uncounted && !writtenOffRun { self.due.finishLocked(1) }
        worker.uncounted = false
        self.due.lock.unlock()
    }

    /// Per-run figures. Stripe lock held.
    func recordRunLocked(_ job: Job, start: Int64, previousStart: Int64, duration: Int64, lateness: Int64) {
        job.runs += 1
        job.lastStartNs = start
        job.lastDurationUs = microsInt32(duration)
        job.totalDurationNs &+= duration
        if job.lastDurationUs > job.maxDurationUs { job.maxDurationUs = job.lastDurationUs }
        job.lastLatenessUs = microsInt32(lateness)
        job.totalLatenessNs &+= lateness
        // Usage: busy fraction of the time since the previous start, smoothed.
        if job.runs > 1, start > previousStart {
            let sample = Float(Swift.min(1, Double(duration) / Double(start - previousStart)))
            job.usage = job.usage * 0.7 + sample * 0.3
        }
        if let e = job.extras {
            e.durationHistory.append(duration)
            e.latenessHistory.append(lateness)
        }
    }

    /// Records a failed run. Stripe lock held.
    func recordFailureLocked(_ job: Job, message: String, at: Int64, run: Int, timedOut: Bool) {
        job.errors += 1
        errorCount.add(1, ordering: .relaxed)
        job.consecutiveFailures += 1
        let error = RunError(message: message, atNs: at, run: run, timedOut: timedOut)
        let e = job.extrasForWriting
        e.lastError = error
        e.recentErrors.append(error)
    }

    /// The next due time after a run that ended at `end`, or nil when the
    /// job is done. Updates the grid and the miss count. Stripe lock held.
    func planNextLocked(_ job: Job, decision: RunDecision, end: Int64) -> Int64? {
        switch decision {
        case .retire:
            return nil
        case .again(let after):
            // Clamped: a body's figure must not overflow the clock's arithmetic.
            let delay = Swift.min(Swift.max(0, after.nanoseconds), Schedule.longestSpanNs)
            if case .adaptive = job.kind { job.adaptiveDelayNs = delay }
            job.gridDue = end + delay
            return job.gridDue
        case .reschedule:
            break
        }
        switch job.kind {
        case .fixedRate(let period, let policy):
            let plan = Cadence.fixedRate(period: period, policy: policy, due: job.gridDue, end: end)
            job.misses += plan.missed
            job.gridDue = plan.nextDue
        case .fixedDelay(let delay):
            job.gridDue = end + delay
        case .adaptive:
            job.gridDue = end + job.adaptiveDelayNs
        case .cron(let expr, let policy):
            guard let next = planCronAfterRun(job, expr, policy: policy, end: end) else { return nil }
            job.gridDue = next
        case .once, .onceAt:
            return nil
        }
        return job.gridDue
    }

    /// Moves the next due time to no earlier than `target` (back-off),
    /// keeping a fixed-rate job on its grid and counting the ticks skipped.
    func delayLocked(_ job: Job, to target: Int64) -> Int64 {
        if case .fixedRate(let period, _) = job.kind {
            let behind = target - job.gridDue
            if behind > 0 {
                let k = (behind + period - 1) / period
                job.misses += Int(k)
                job.gridDue += k * period
            }
        } else {
            job.gridDue = Swift.max(job.gridDue, target)
        }
        return job.gridDue
    }

    /// Remembers a job that reached a final state; forgets the oldest
    /// finished jobs beyond the retention limits (a count and bytes).
    func noteFinished(_ job: Job) {
        let bytes = stripes[job.stripe].withLock { job.extras?.compact(); return job.footprintBytes }
        registryLock.lock()
        finishedOrder.append((job.id, bytes))
        finishedBytes += bytes
        let keep = configuration.keepFinishedJobs, keepBytes = configuration.keepFinishedBytes
        var forgot = 0
        while !finishedOrder.isEmpty && (finishedOrder.count > keep || finishedBytes > keepBytes) {
            let old = finishedOrder.removeFirst()
            finishedBytes -= old.bytes
            let slot = Int(old.id.rawValue) - 1
            guard let j = jobs[slot] else { continue }
            // Forget it only if it is still finished (it may have been resumed).
            if stripes[j.stripe].withLock({ j.state.isFinal || (j.state == .failed && j.gaveUp) }) {
                jobs.remove(slot: slot)
                forgot += 1
            }
        }
        registryLock.unlock()
        if forgot > 0 { noteReleased(forgot) }
    }

    /// The context's interruptible sleep.
    func sleep(job: Job, worker: Worker, nanoseconds: Int64) -> Bool {
        // Join the sleepers before the job says `sleeping`: a cancel that
        // sees `sleeping` then always finds this worker to wake. (Joining
        // after left a window where the wake-up was lost and the run slept
        // out its whole duration — forever, on a manual clock.)
        due.lock.withLock {
            worker.sleepWoken = false
            worker.sleepDeadline = .max
            due.sleepers.append(worker)
        }
        let stripe = stripes[job.stripe]
        stripe.lock()
        if job.state != .running || isShuttingDown {
            stripe.unlock()
            due.lock.withLock {
                if let i = due.sleepers.firstIndex(where: { $0 === worker }) { due.sleepers.remove(at: i) }
                worker.sleepWoken = false
            }
            return false
        }
        job.state = .sleeping
        stripe.unlock()
        let now = clock.now()
        worker.statsLock.withLock {
            worker.tally.move(.running, .sleeping)
            if worker.phase == .running { worker.phase = .sleeping; worker.phaseSinceNs = now }
        }
        changes.notify()
        let deadline = nanoseconds > Int64.max - now ? Int64.max : now + Swift.max(0, nanoseconds)
        // This worker stops draining the queues while it sleeps: runs that
        // were left to it need an idle worker now (else they would wait out
        // the sleep).
        dispatch.sleepingInJobs.add(1, ordering: .relaxed)
        dispatch.lock.withLock { dispatch.wakeForBacklogLocked() }
        defer { dispatch.sleepingInJobs.subtract(1, ordering: .relaxed) }
        due.lock.lock()
        worker.sleepDeadline = deadline
        if !worker.uncounted { due.finishLocked(1); worker.uncounted = true }
        // A pool now entirely asleep may be what a `settle()` waits for.
        if due.settleWaiters > 0 { due.settleCondition.broadcast() }
        while !worker.sleepWoken && !due.stopping {
            if clock.isManual {
                if clock.now() >= deadline { break }
                worker.sleepCondition.wait(due.lock)
            } else {
                if !worker.sleepCondition.wait(due.lock, untilMonotonicNs: deadline) { break }
            }
        }
        if let i = due.sleepers.firstIndex(where: { $0 === worker }) { due.sleepers.remove(at: i) }
        if worker.uncounted && !worker.countReleased { due.inFlight += 1; worker.uncounted = false }
        worker.sleepDeadline = .max
        due.lock.unlock()

        stripe.lock()
        let from = job.state
        if from == .sleeping { job.state = .running }
        let cancelled = job.state != .running || (job.stuck && job.worker == worker.index) || isShuttingDown
        stripe.unlock()
        let woke = clock.now()
        worker.statsLock.withLock {
            if from == .sleeping { worker.tally.move(.sleeping, .running) }
            if worker.phase == .sleeping { worker.phase = .running; worker.phaseSinceNs = woke }
        }
        changes.notify()
        return !cancelled
    }

    /// `JobContext.waiting(on:_:)`: the worker shows as waiting on `what`
    /// and, like a worker asleep in its job, stops counting as one that
    /// drains the queues or that `settle()` waits for.
    func beginWait(worker: Worker, on what: String) {
        let now = clock.now()
        worker.statsLock.withLock {
            if worker.phase == .running { worker.phase = .waiting; worker.waitingOn = what; worker.phaseSinceNs = now }
        }
        changes.notify()
        dispatch.sleepingInJobs.add(1, ordering: .relaxed)
        dispatch.lock.withLock { dispatch.wakeForBacklogLocked() }
        due.lock.withLock {
            due.waiters += 1
            if !worker.uncounted { due.finishLocked(1); worker.uncounted = true }
            if due.settleWaiters > 0 { due.settleCondition.broadcast() }
        }
    }

    func endWait(worker: Worker) {
        dispatch.sleepingInJobs.subtract(1, ordering: .relaxed)
        due.lock.withLock {
            due.waiters -= 1
            if worker.uncounted && !worker.countReleased { due.inFlight += 1; worker.uncounted = false }
        }
        let now = clock.now()
        worker.statsLock.withLock {
            if worker.phase == .waiting { worker.phase = .running; worker.waitingOn = nil; worker.phaseSinceNs = now }
        }
        changes.notify()
    }

    /// Wakes the context sleep of the run of `job`, if it is asleep (cancel).
    func wakeSleeper(workerIndex: Int32) {
        due.lock.withLock {
            for w in due.sleepers where w.index == workerIndex { wakeLocked(w) }
        }
    }

    /// Due lock held: wakes one sleeper and counts its run as in flight again.
    func wakeLocked(_ w: Worker) {
        guard !w.sleepWoken else { return }
        w.sleepWoken = true
        if w.uncounted && !w.countReleased { due.inFlight += 1; w.uncounted = false }
        w.sleepCondition.signal()
    }

    /// A manual clock moved: wake the timer and every sleeper now due.
    func clockAdvanced() {
        let now = clock.now()
        due.lock.withLock {
            for w in due.sleepers where w.sleepDeadline <= now { wakeLocked(w) }
            due.timerCondition.broadcast()
        }
    }
}
