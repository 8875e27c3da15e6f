/// Retries within one tick. A job with `retries: N` whose run fails is tried
/// again after its back-off (1st wait, 2nd, 4th…, capped, less up to a fifth
/// as jitter), up to N times for that tick, as long as the retry comes before
/// its next scheduled run; then it waits for that run as before. While a
/// retry is pending the job is `failed` with a next due time (the retry's),
/// and its extras keep the tick's grid, which is put back when the retry
/// ends, so the schedule goes on from the tick it retried: a fixed-rate job
/// keeps its grid, a cron job its fire times. Pausing drops a pending retry.
/// Every function here runs with the job's stripe lock held.
extension Engine {
    /// After a failed run that ended at `end` (the tick's grid already put
    /// back): plans the next retry of the tick and returns its due time, or
    /// nil when the tick's retries are spent or the next scheduled run comes
    /// first (the attempt count is then reset).
    func planRetryLocked(_ job: Job, end: Int64) -> Int64? {
        let allowed = job.policy.retries
        guard allowed > 0 else { return nil }
        let extras = job.extrasForWriting
        let attempt = Int(extras.retryAttempt) + 1
        guard attempt <= allowed else { extras.retryAttempt = 0; return nil }
        let retryAt = end &+ retryWait(job, attempt: attempt)
        // The next scheduled run, planned and then undone.
        let saved = (job.gridDue, job.misses, extras.cronTickWallNs)
        let next = planNextLocked(job, decision: .reschedule, end: end)
        (job.gridDue, job.misses, extras.cronTickWallNs) = saved
        if let next, retryAt >= next { extras.retryAttempt = 0; return nil }
        extras.retryAttempt = Int32(attempt)
        extras.retryTickGridNs = job.gridDue
        job.gridDue = retryAt
        return retryAt
    }

    /// The wait before retry `attempt` (1-based): the back-off from its
    /// first step, less a deterministic jitter of up to a fifth, so jobs that
    /// failed together do not retry in step. No back-off: at once.
    func retryWait(_ job: Job, attempt: Int) -> Int64 {
        guard let b = job.policy.backoff else { return 0 }
        let wait = Cadence.backoff(failures: attempt, initial: b.initialNs, cap: b.capNs)
        return wait - Cadence.jitter(bound: wait / 5, id: job.id.rawValue, run: UInt64(job.runs))
    }

    /// A run of a job with a pending retry ended (or was dropped): puts the
    /// tick's grid back, keeping the attempt count. Returns whether a retry
    /// was pending.
    @discardableResult
    func restoreRetriedTickLocked(_ job: Job) -> Bool {
        guard let extras = job.extras, extras.retryAttempt > 0 else { return false }
        job.gridDue = extras.retryTickGridNs
        return true
    }

    /// Why a failed tick of a job with retries gets no more: `made` (the
    /// retries this tick had, read before `planRetryLocked` reset the
    /// count) are all it may have, or the next scheduled run comes first.
    func retriesOverNote(_ job: Job, made: Int) -> String {
        made >= job.policy.retries
            ? " (all \(job.policy.retries) retries failed; next run on schedule)"
            : " (the next run on schedule comes before a retry could)"
    }

    /// Forgets a pending retry: the tick's grid is put back and its attempts
    /// are over (a success, a pause, a run its queue refused).
    func dropRetryLocked(_ job: Job) {
        guard restoreRetriedTickLocked(job) else { return }
        job.extras?.retryAttempt = 0
    }

    /// "retry 2 of 3 in 1.8s" for the failure's event.
    func retryNote(_ job: Job, at retryAt: Int64, end: Int64) -> String {
        " (retry \(job.extras?.retryAttempt ?? 0) of \(job.policy.retries) in \(formatNanoseconds(Swift.max(0, retryAt - end))))"
    }
}
