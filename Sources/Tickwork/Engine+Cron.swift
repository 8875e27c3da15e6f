/// Cron jobs on the wall clock. Each keeps the fire time its next run
/// belongs to (`cronTickWallNs`, wall-clock unix ns); its monotonic due time
/// is derived from it against the clock's current wall−monotonic offset.
/// When that offset changes (the clock was set, or the machine slept: the
/// monotonic clock stops in suspend), `wallClockMoved()` plans every cron
/// job again, as systemd does for calendar timers.
extension Engine {
    /// Jumps larger than this are a clock set, not a DST-sized step: every
    /// job follows the new time (Vixie's "time has changed a lot").
    static let largeClockJumpNs: Int64 = 3 * 3600 * 1_000_000_000
    /// Offset changes smaller than this are reading noise.
    static let clockJumpNoiseNs: Int64 = 1_000_000

    /// The wall clock (unix ns) at the monotonic instant `mono`.
    func wallNs(atMonotonic mono: Int64) -> Int64 {
        let nowMono = clock.now()
        let wall = clock.wallNow().timeIntervalSince1970
        return Int64((wall * 1e9).rounded()) + (mono - nowMono)
    }

    /// A cron job's first due time, from `now`; after `resumeAfter` (the
    /// fire time an earlier process last ran it for), fire times passed
    /// since go through the missed-tick policy. The job is not yet shared.
    func planFirstCron(_ job: Job, _ expr: CronExpression, missed: MissedTickPolicy, resumeAfter: Int64?, now: Int64) -> Int64 {
        watchWallClock()
        let wall = wallNs(atMonotonic: now)
        if let last = resumeAfter, let pending = expr.nextFireNs(after: last),
           let plan = CronCadence.plan(expr, policy: missed, pending: pending, now: wall) {
            job.misses += plan.missed
            job.extrasForWriting.cronTickWallNs = plan.tick
            return plan.runNow ? now : now + (plan.tick - wall)
        }
        guard let tick = expr.nextFireNs(after: wall) else { return Int64.max / 2 }
        job.extrasForWriting.cronTickWallNs = tick
        return now + (tick - wall)
    }

    /// After a run that ended at `end`: the next fire after the one it ran
    /// for, through the missed-tick policy. Stripe lock held.
    func planCronAfterRun(_ job: Job, _ expr: CronExpression, policy: MissedTickPolicy, end: Int64) -> Int64? {
        let wall = wallNs(atMonotonic: end)
        guard let pending = expr.nextFireNs(after: job.extras?.cronTickWallNs ?? wall),
              let plan = CronCadence.plan(expr, policy: policy, pending: pending, now: wall) else { return nil }
        job.misses += plan.missed
        job.extrasForWriting.cronTickWallNs = plan.tick
        return plan.runNow ? end : end + (plan.tick - wall)
    }

    /// The pending fire time if it is still ahead, else the next one after
    /// now (after a pause, or a run refused by a full queue). Stripe lock held.
    func planCronSkipping(_ job: Job, _ expr: CronExpression, now: Int64) -> Int64 {
        let wall = wallNs(atMonotonic: now)
        let pending = job.extras?.cronTickWallNs ?? 0
        if pending > wall { return now + (pending - wall) }
        guard let tick = expr.nextFireNs(after: wall) else { return Int64.max / 2 }
        job.extrasForWriting.cronTickWallNs = tick
        return now + (tick - wall)
    }

    /// Asks the clock, once, to report wall-clock changes (a real clock
    /// then starts its watcher thread: only engines with cron jobs pay).
    func watchWallClock() {
        guard !watchingWall.load(ordering: .relaxed),
              watchingWall.compareExchange(expected: false, desired: true, ordering: .relaxed).exchanged else { return }
        clock.onWallChange { [weak self] in
            guard let self, !self.isShuttingDown else { return false }
            self.wallClockMoved()
            return true
        }
    }

    /// The wall clock moved against the monotonic one: plans every waiting
    /// cron job again. Forward (a clock step, a suspend): fire times that
    /// passed unseen go through the job's missed-tick policy. Backward: a
    /// wildcard job follows the clock at once; a fixed-time job keeps its
    /// fire time, so it does not run twice (Vixie's rule), unless the jump
    /// is over 3 hours. Running and paused jobs are planned when their run
    /// ends or they resume. Any thread; takes the locks it needs.
    public func wallClockMoved() {
        let nowMono = clock.now()
        let wall = wallNs(atMonotonic: nowMono)
        let jump: Int64 = wallOffsetLock.withLock {
            let offset = wall - nowMono
            defer { wallOffsetNs = offset }
            return offset - wallOffsetNs
        }
        guard Swift.abs(jump) >= Self.clockJumpNoiseNs, !isShuttingDown else { return }
        let all = registryLock.withLock { jobs.liveJobs() }
        var moved = 0, missed = 0
        var reinsert = ContiguousArray<(job: Job, due: Int64)>()
        for job in all {
            guard case .cron(let expr, let policy) = job.kind else { continue }
            let stripe = stripes[job.stripe]
            stripe.lock()
            guard job.state == .scheduled else { stripe.unlock(); continue }
            let pending = job.extras?.cronTickWallNs ?? wall
            let followClock = jump < 0 && (expr.isWildcard || -jump > Self.largeClockJumpNs)
            let plan = followClock
                ? expr.nextFireNs(after: wall).map { CronCadence.Plan(tick: $0, runNow: false, missed: 0) }
                : CronCadence.plan(expr, policy: policy, pending: pending, now: wall)
            if let plan {
                job.misses += plan.missed
                missed += plan.missed
                job.extrasForWriting.cronTickWallNs = plan.tick
                job.gridDue = plan.runNow ? nowMono : nowMono + (plan.tick - wall)
            } else {
                job.gridDue = Int64.max / 2
            }
            reinsert.append((job, job.nextDue))
            stripe.unlock()
            moved += 1
        }
        // The old entries stay in the wheel and are dropped as stale when they fire.
        due.lock.withLock { due.insertLocked(contentsOf: reinsert) }
        events.record(.clockChanged, at: nowMono, name: "clock",
                      message: "wall clock moved \(jump > 0 ? "+" : "−")\(formatNanoseconds(Swift.abs(jump))); "
                        + "\(moved) cron job\(moved == 1 ? "" : "s") planned again"
                        + (missed > 0 ? ", \(missed) fire time\(missed == 1 ? "" : "s") missed" : ""), cause: .clock)
    }
}
