/// A run by hand: one run now, the schedule left as it was.
extension Engine {
    /// Runs the job once, now, through its queue, and leaves its schedule as
    /// it was: a fixed-rate job keeps its grid, a cron job its next fire
    /// time, a paused job stays paused after the run. Only a scheduled,
    /// retrying or paused job can; false otherwise (running, queued,
    /// finished, failed for good), when its queue is full, or once shutdown
    /// has begun. Any thread; returns at once.
    @discardableResult
    public func runNow(_ id: JobID) -> Bool {
        guard let job = job(id) else { return false }
        let now = clock.now()
        let stripe = stripes[job.stripe]
        stripe.lock()
        let before = job.lifecycle, from = before.state
        guard let outcome = JobLifecycle.apply(.runByHand(shuttingDown: isShuttingDown), to: before) else {
            stripe.unlock()
            return false
        }
        job.extrasForWriting.manualRunBack = from
        job.lifecycle = outcome.fields   // queued; its effect (enqueue) is below
        stripe.unlock()
        registryLock.withLock { controlTally.move(from, .queued) }
        // Counted in flight like a run the timer fired (`settle()` waits for it).
        due.lock.withLock { due.inFlight += 1 }
        var refused: [RunItem] = []
        dispatch.enqueue([(job, now)], now: now, refused: &refused)
        let mine = refused.contains { $0.job === job && $0.due == now }
        let others = refused.filter { !($0.job === job && $0.due == now) }
        if !others.isEmpty {
            // A full queue that drops its oldest run made room for this one.
            handleRefused(others, now: now) { tally in
                registryLock.withLock { controlTally.merge(tally) }
                tally = StateTally()
            }
        }
        if mine {
            stripe.lock()
            if let back = JobLifecycle.apply(.runByHandRefused(back: from), to: job.lifecycle) { job.lifecycle = back.fields }
            job.extras?.manualRunBack = nil
            stripe.unlock()
            registryLock.withLock { controlTally.move(.queued, from) }
            due.lock.withLock { due.finishLocked(1) }
            return false
        }
        changes.notify()
        return true
    }

    /// Where a run by hand leaves the job (stripe lock held): paused if it
    /// was; else back on its pending due time while that is still ahead
    /// (`failed` again if it was retrying and this run failed too), or
    /// planned as any run that outlived its due time. A success ends a
    /// pending retry of the tick (a one-time job's is then done). Returns
    /// the due time to put back into the wheel, or nil.
    func planAfterRunByHandLocked(_ job: Job, back: JobState, succeeded: Bool, end: Int64) -> (to: JobState, reinsertAt: Int64?) {
        if back == .paused { return (.paused, nil) }
        let retryEnded = succeeded && (job.extras?.retryAttempt ?? 0) > 0
        if retryEnded { dropRetryLocked(job) }
        let waiting: JobState = succeeded ? .scheduled : back
        switch job.kind {
        case .once, .onceAt:
            if retryEnded { return (.retired, nil) }
            // Its own run is still to come, however late.
            return (waiting, job.gridDue)
        default:
            if job.gridDue > end { return (waiting, job.gridDue) }
            let next = planNextLocked(job, decision: .reschedule, end: end)
            return (next == nil ? .retired : .scheduled, next)
        }
    }
}
