#if canImport(Glibc)
import Glibc
#endif

/// The timer thread: sweeps the wheel, hands due runs to the queues in one
/// batch per wake-up, and writes off runs that outlived their timeout.
extension Engine {
    func startTimerThread() {
        dispatch.lock.withLock { liveThreads += 1 }
        startThread(name: "tickwork-timer") { [self] in self.timerMain() }
    }

    private func timerMain() {
        ThreadInfo.setName("tickwork-timer")
        ThreadInfo.minimiseTimerSlack()
        timerStatsLock.withLock {
            timerTID = ThreadInfo.currentTID()
            timerCPUClock = ThreadInfo.currentCPUClock()
            timerPhaseSinceNs = clock.now()
        }
        var buffers = SweepBuffers()
        var tally = StateTally()

        due.lock.lock()
        while !due.stopping {
            let now = clock.now()
            // While an idle worker holds the sweeping duty, the wheel is its.
            if due.sweeper == nil {
                due.wheel.collectDue(now: now, into: &buffers.fired)
                due.inFlight += buffers.fired.count
                // A sweep can leave nothing due without firing anything (a
                // far entry moved into a slot not yet ended): let `settle()`
                // look again.
                if buffers.fired.isEmpty && due.settleWaiters > 0 { due.settleCondition.broadcast() }
            }
            due.lock.unlock()

            var lastBatch = 0
            if !buffers.fired.isEmpty {
                lastBatch = dispatchFired(now: now, buffers: &buffers, publish: flushTimerTally)
                // The runs just queued may find every worker asleep in a job,
                // which `settle()` counts as settled: let it look again.
                if clock.isManual { due.lock.withLock { if due.settleWaiters > 0 { due.settleCondition.broadcast() } } }
            }
            let nextTimeout = checkTimeouts(now: now, tally: &tally)
            // A run written off may be what a `settle()` waits for.
            if clock.isManual { due.lock.withLock { if due.settleWaiters > 0 { due.settleCondition.broadcast() } } }

            timerStatsLock.lock()
            timerTally.merge(tally)
            tally = StateTally()
            timerWakeups += 1
            if lastBatch > 0 { timerLastBatch = lastBatch }
            timerSleeping = true
            timerPhaseSinceNs = now
            timerStatsLock.unlock()

            due.lock.lock()
            var wake = due.wheel.nextWake() ?? .max
            if due.sweeper != nil {
                // A watchdog only: the sweeper wakes for the slot itself; the
                // timer checks back in case the duty falls vacant unannounced.
                wake = wake == .max ? .max : wake + Self.sweepWatchdogSlots * due.resolutionNs
            }
            if nextTimeout < wake { wake = nextTimeout }
            if wake <= clock.now() { continue }
            due.timerPlannedWake = wake
            if due.sweeper == nil { due.timerWakesAt = wake }
            if due.stopping { break }
            if clock.isManual || wake == .max {
                due.timerCondition.wait(due.lock)
            } else {
                due.timerCondition.wait(due.lock, untilMonotonicNs: wake)
            }
            due.timerPlannedWake = .max
            timerStatsLock.withLock { timerSleeping = false }
        }
        due.lock.unlock()
        dispatch.lock.withLock {
            liveThreads -= 1
            threadsExited.broadcast()
        }
    }

    /// How many slots late the timer's watchdog lets a vacant sweeping duty run.
    static let sweepWatchdogSlots: Int64 = 8

    /// Runs a full queue refused (or evicted): each one is a miss, and its job
    /// goes back on its schedule at the next tick after now.
    func handleRefused(_ items: [RunItem], now: Int64, publish: (inout StateTally) -> Void) {
        var tally = StateTally()
        var reinsert: [(Job, Int64)] = [], gaveUp: [Job] = []
        var finished = 0
        // Read before any job lock: no dispatcher lock inside a stripe lock.
        let queueNames = dispatch.lock.withLock { dispatch.queues.map(\.config.name) }
        for item in items {
            let job = item.job
            let stripe = stripes[job.stripe]
            stripe.lock()
            let input = JobLifecycle.RunInput.refused(recurring: job.isRecurring, shuttingDown: isShuttingDown)
            guard let outcome = JobLifecycle.apply(input, to: job.lifecycle) else { stripe.unlock(); finished += 1; continue }
            job.lifecycle = outcome.fields
            let to = outcome.fields.state, effects = outcome.effects
            if to == .cancelled {
                events.record(.cancelled, at: now, job: job.id, name: job.name, from: .queued, to: to,
                              cause: .shutdown, notify: false)
            } else {
                job.overflows += 1
                job.misses += 1
                if effects.contains(.dropRetry) { dropRetryLocked(job) }   // a refused retry ends the tick's retries
                if effects.contains(.planSkipping) { planSkippingLocked(job, now: now) }
                if effects.contains(.insertDue) { reinsert.append((job, job.nextDue)) }
                if effects.contains(.recordFailure) {
                    recordFailureLocked(job, message: "queue '\(queueNames[Int(job.queueIndex)])' was full", at: now,
                                        run: job.runs + 1, timedOut: false)
                }
                events.record(.overflow, at: now, job: job.id, name: job.name, message: "queue full: run dropped",
                              from: .queued, to: to, cause: .queueFull, notify: false)
            }
            stripe.unlock()
            tally.move(.queued, to)
            finished += 1
            if effects.contains(.noteFinished) { gaveUp.append(job) }
        }
        publish(&tally)
        for job in gaveUp { noteFinished(job) }
        changes.notify()
        due.lock.lock()
        for (job, at) in reinsert { due.insertLocked(job, due: at) }
        due.finishLocked(finished)
        due.lock.unlock()
    }

    /// The next tick of a recurring job whose run a full queue refused:
    /// past now, the ticks skipped counted as misses. Stripe lock held.
    private func planSkippingLocked(_ job: Job, now: Int64) {
        switch job.kind {
        case .fixedRate(let p, _):
            let k = Swift.max(1, (now - job.gridDue) / p + 1)
            job.gridDue += k * p
            job.misses += Int(k - 1)
        case .fixedDelay(let d): job.gridDue = now + d
        case .adaptive: job.gridDue = now + job.adaptiveDelayNs
        case .cron(let expr, _): job.gridDue = planCronSkipping(job, expr, now: now)
        case .once, .onceAt: break
        }
    }

    /// Publishes the timer's pending state moves.
    func flushTimerTally(_ tally: inout StateTally) {
        timerStatsLock.withLock { timerTally.merge(tally) }
        tally = StateTally()
    }

    /// Writes off runs past their timeout: the job is marked stuck and failed,
    /// the worker leaves the pool and a replacement starts, so the pool keeps
    /// its size. Returns the earliest pending deadline.
    private func checkTimeouts(now: Int64, tally: inout StateTally) -> Int64 {
        let workers = dispatch.lock.withLock { dispatch.workers }
        var earliest = Int64.max
        for worker in workers {
            worker.statsLock.lock()
            let deadline = worker.runDeadlineNs
            let job = worker.currentJob
            worker.statsLock.unlock()
            guard deadline != .max, let job else { continue }
            if deadline > now { earliest = Swift.min(earliest, deadline); continue }
            let stripe = stripes[job.stripe]
            stripe.lock()
            let before = job.lifecycle, from = before.state
            guard job.worker == worker.index, let outcome = JobLifecycle.apply(.timedOut, to: before) else {
                stripe.unlock(); continue
            }
            job.lifecycle = outcome.fields
            job.extrasForWriting.timeouts += 1
            job.runs += 1
            if outcome.effects.contains(.recordFailure) {
                recordFailureLocked(job, message: RunTimedOut(timeoutNs: job.policy.timeoutNs).description,
                                    at: now, run: job.runs, timedOut: true)
            }
            let to = outcome.fields.state
            events.record(.stuck, at: now, job: job.id, name: job.name,
                          message: "run exceeded its timeout of \(formatNanoseconds(job.policy.timeoutNs))",
                          from: from, to: to, worker: worker.index, cause: .timeout, notify: false)
            // Work with a completion hears of it now: its run may never return.
            let work = job.extras?.completion, error = job.extras?.lastError
            stripe.unlock()
            if let work { deliverWork(job.id, work, state: to == .cancelling ? .cancelled : .failed, error: error) }
            changes.notify()
            tally.move(from, to)
            flushTimerTally(&tally)
            // The worker's stats lock decides the race with the run ending
            // now: if `finishRun` got there first (the worker is idle or on
            // another run), that run is closed and the worker stays; else the
            // worker is marked stuck and `finishRun` leaves the count to us.
            let stillRunning: Bool = worker.statsLock.withLock {
                guard worker.currentJob === job, worker.phase == .running || worker.phase == .sleeping || worker.phase == .waiting else { return false }
                worker.phase = .stuck
                worker.runDeadlineNs = .max
                return true
            }
            guard stillRunning else { continue }
            let replaced: Bool = dispatch.lock.withLock {
                // The run may have returned meanwhile and the worker left the
                // pool (retired); then there is nothing to write off.
                guard let i = dispatch.workers.firstIndex(where: { $0 === worker }) else { return false }
                worker.writtenOff = true
                replacedWorkerCount += 1
                dispatch.workers.remove(at: i)
                writtenOffWorkers.append(worker)
                if dispatch.workers.filter({ !$0.retire }).count < dispatch.targetWorkers && !dispatch.stopping {
                    spawnWorkerLocked()
                }
                return true
            }
            if replaced {
                events.record(.workerReplaced, at: now, name: "w\(worker.index)",
                              message: "written off after \(job.name)'s stuck run, and replaced", worker: worker.index, cause: .timeout)
            }
            due.lock.withLock {
                if !worker.uncounted { due.finishLocked(1) }
                worker.uncounted = true
                worker.countReleased = true
                wakeLocked(worker)  // a sleeping stuck run is told at once
            }
        }
        return earliest
    }

    /// Makes the timer wake no later than `deadline` (a new run timeout).
    func wakeTimer(before deadline: Int64) {
        due.lock.withLock {
            if deadline < due.timerWakesAt || (due.sweeper != nil && deadline < due.timerPlannedWake) {
                if due.sweeper == nil { due.timerWakesAt = deadline }
                due.timerCondition.broadcast()
            }
        }
    }
}
