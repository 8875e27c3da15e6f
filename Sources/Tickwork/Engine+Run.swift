/// The end of a run, the context's sleep, and how a manual clock wakes sleepers.
extension Engine {
    /// Records a finished run and plans the job's future. Called on the
    /// worker that ran it; takes the job's stripe lock, then the due lock.
    func finishRun(job: Job, worker: Worker, due: Int64, start: Int64, previousStart: Int64, end: Int64, runNumber: Int,
                   decision: RunDecision, failure: (any Error)?) {
        let duration = end - start
        let stripe = stripes[job.stripe]
        var message = ""
        stripe.lock()
        // The timer may have written this run off as stuck; it recorded the run then.
        let wasStuck = job.stuck && job.worker == worker.index
        let before = job.lifecycle, from = before.state
        if !wasStuck {
            recordRunLocked(job, start: start, previousStart: previousStart, duration: duration, lateness: start - due)
            if let failure {
                message = String(describing: failure)
                recordFailureLocked(job, message: message, at: end, run: runNumber, timedOut: false)
            } else {
                job.consecutiveFailures = 0
            }
        }
        job.worker = -1
        // A run by hand leaves the schedule as it was (`runNow`).
        let byHand = job.extras?.manualRunBack
        if byHand != nil { job.extras?.manualRunBack = nil }
        let failed = failure != nil || wasStuck
        var outcome = JobLifecycle.runEnded(before, failed: failed, byHand: byHand != nil, shuttingDown: isShuttingDown)
        if let plan = planAfterRunLocked(job, outcome.effects, back: byHand, failed: failed, decision: decision, end: end,
                                         message: &message) {
            outcome = JobLifecycle.afterRun(outcome.fields, plan)
            // Paused during the run: the job keeps its next due time
            // (`gridDue`), less a pending retry (resume follows the schedule from the tick).
            if outcome.effects.contains(.dropRetry) { dropRetryLocked(job) }
        }
        job.lifecycle = outcome.fields
        let to = outcome.fields.state
        let reinsert = outcome.effects.contains(.insertDue)
        let dispatchDue = reinsert ? job.nextDue : 0
        // Under the job's lock: the stream keeps each job's order.
        let cause: EngineEvent.Cause = isShuttingDown && from != .cancelling && from != .cancelled ? .shutdown : .run
        if let event = outcome.event, event != .finished || recordRunEvents {
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
        if outcome.effects.contains(.noteFinished) { noteFinished(job) }

        self.due.lock.lock()
        if reinsert { self.due.insertLocked(job, due: dispatchDue) }
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

    /// Carries out a run end's plan effect (stripe lock held): where a run
    /// by hand leaves the job, a failed run's retry or next tick (or giving
    /// up), a successful run's next due. Returns what was planned, for
    /// `JobLifecycle.afterRun`; nil when there was nothing to plan (the job
    /// was cancelled). Adds to `message` what the failure's event says.
    private func planAfterRunLocked(_ job: Job, _ effects: JobLifecycle.Effects, back: JobState?, failed: Bool,
                                    decision: RunDecision, end: Int64, message: inout String) -> JobLifecycle.Plan? {
        if effects.contains(.dropRetry) { dropRetryLocked(job) }
        if effects.contains(.planByHand), let back {
            let (to, at) = planAfterRunByHandLocked(job, back: back, succeeded: !failed, end: end)
            return .byHand(to: to, failed: failed, hasNext: at != nil)
        }
        if effects.contains(.planRetry) {
            let (at, gaveUp) = planAfterFailureLocked(job, end: end, message: &message)
            return .afterFailure(hasNext: at != nil, gaveUp: gaveUp)
        }
        if effects.contains(.planNext) {
            return .afterSuccess(hasNext: planNextLocked(job, decision: decision, end: end) != nil)
        }
        return nil
    }

    /// After a failed run: give up past the failure limit, else a retry of
    /// the tick, else (a recurring job) the next tick, held back by the
    /// back-off. Returns the next due (nil: none) and whether the job gave
    /// up. Stripe lock held.
    private func planAfterFailureLocked(_ job: Job, end: Int64, message: inout String) -> (next: Int64?, gaveUp: Bool) {
        restoreRetriedTickLocked(job)
        let retriesMade = Int(job.extras?.retryAttempt ?? 0)
        let limit = job.policy.maxConsecutiveFailures
        if limit > 0 && Int(job.consecutiveFailures) >= limit {
            job.extras?.retryAttempt = 0
            message += " (gave up after \(job.consecutiveFailures) failures in a row)"
            return (nil, true)
        }
        if let retryAt = planRetryLocked(job, end: end) {
            message += retryNote(job, at: retryAt, end: end)
            return (retryAt, false)
        }
        if !job.isRecurring {
            if job.policy.retries > 0 { message += " (gave up: \(job.policy.retries) retries failed)" }
            return (nil, true)
        }
        if job.policy.retries > 0 { message += retriesOverNote(job, made: retriesMade) }
        var next = planNextLocked(job, decision: .reschedule, end: end)
        if let backoff = job.policy.backoff, let planned = next {
            let wait = Cadence.backoff(failures: Int(job.consecutiveFailures), initial: backoff.initialNs, cap: backoff.capNs)
            if end + wait > planned { next = delayLocked(job, to: end + wait) }
        }
        return (next, false)
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
        let (bytes, work, state, error) = stripes[job.stripe].withLock {
            job.extras?.compact()
            return (job.footprintBytes, job.extras?.completion, job.state, job.extras?.lastError)
        }
        if let work { deliverWork(job.id, work, state: state, error: error) }
        registryLock.lock()
        finishedOrder.append((job.id, bytes))
        finishedBytes += bytes
        let keep = configuration.keepFinishedJobs, keepBytes = configuration.keepFinishedBytes
        var forgot = 0
        while !finishedOrder.isEmpty && (finishedOrder.count > keep || finishedBytes > keepBytes) {
            let old = finishedOrder.removeFirst()
            finishedBytes -= old.bytes
            let slot = old.id.slot
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
        guard let asleep = JobLifecycle.apply(.slept(shuttingDown: isShuttingDown), to: job.lifecycle) else {
            stripe.unlock()
            due.lock.withLock {
                if let i = due.sleepers.firstIndex(where: { $0 === worker }) { due.sleepers.remove(at: i) }
                worker.sleepWoken = false
            }
            return false
        }
        job.lifecycle = asleep.fields
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
        if let awake = JobLifecycle.apply(.woke, to: job.lifecycle) { job.lifecycle = awake.fields }
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
