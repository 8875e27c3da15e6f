/// A job's lifecycle through its runs, as the same pure function as the
/// controls (`JobLifecycle.apply(_:to:)`): what the engine's own threads
/// report — the sweep found it due, a worker started it, its body slept,
/// woke or returned, its run timed out, a full queue refused it, shutdown
/// took it — in; the new fields, the effects and the event out. The engine
/// is the storage: it reads `Job.lifecycle` under the job's stripe lock,
/// applies the outcome, and carries out the effects. The schedule's
/// arithmetic (when next) stays with the engine: a run's end is two steps,
/// `ended` (which says what to plan) and `planned` (what was planned).
/// Tested as a table in `JobLifecycleRunTests`. Pure values, any thread.
extension JobLifecycle {
    /// What happened to a job's run, as the engine's threads see it.
    enum RunInput: Equatable {
        /// The sweep found the job due at `due`; it is `now`.
        case fired(due: Int64, now: Int64)
        /// A person asked for one run now (`runNow`).
        case runByHand(shuttingDown: Bool)
        /// The queue refused that run by hand: the job goes back to `back`.
        case runByHandRefused(back: JobState)
        /// A worker took the job's run from its queue.
        case started(shuttingDown: Bool)
        /// The run's body sleeps in its context (`ctx.sleep`) / wakes.
        case slept(shuttingDown: Bool)
        case woke
        /// The run's body returned; `failed`: it threw or was written off
        /// as stuck; `byHand`: it was a run by hand.
        case ended(failed: Bool, byHand: Bool, shuttingDown: Bool)
        /// After `ended`'s plan effect: what the engine planned.
        case planned(Plan)
        /// The run outlived its timeout (its worker is written off).
        case timedOut
        /// A full queue refused the run.
        case refused(recurring: Bool, shuttingDown: Bool)
        /// Shutdown took the run from its queue before a worker did.
        case shutdown
    }

    /// What the engine planned after a run, by the plan effect it was given.
    enum Plan: Equatable {
        /// `.planByHand`: the state a run by hand leaves the job in.
        case byHand(to: JobState, failed: Bool, hasNext: Bool)
        /// `.planRetry`: a retry or the next tick planned, or the job gave up.
        case afterFailure(hasNext: Bool, gaveUp: Bool)
        /// `.planNext`: the next due, or none (the job is done).
        case afterSuccess(hasNext: Bool)
    }

    /// The outcome of `input` on a job with `fields`, or nil when it changes
    /// nothing (a stale sweep entry, a run dropped because the job was paused
    /// or cancelled while it waited). Inlined: the sweep and every run's
    /// start and end call it with the input known.
    @inline(__always)
    static func apply(_ input: RunInput, to f: Fields) -> Outcome? {
        var to = f
        switch input {
        case .fired(let due, let now):
            guard f.awaitsRun, due <= now else { return nil }
            to.state = .queued
            return Outcome(fields: to, effects: .enqueue)
        case .runByHand(let shuttingDown):
            guard !shuttingDown, f.state == .paused || f.awaitsRun else { return nil }
            to.state = .queued
            return Outcome(fields: to, effects: .enqueue)
        case .runByHandRefused(let back):
            guard f.state == .queued else { return nil }
            to.state = back
            return Outcome(fields: to)
        case .started(let shuttingDown):
            guard f.state == .queued else { return nil }
            // Taken from its queue just before shutdown closed them: it
            // never starts. (Retention no longer matters: no noteFinished.)
            to.state = shuttingDown ? .cancelled : .running
            return Outcome(fields: to, event: shuttingDown ? .cancelled : .started)
        case .slept(let shuttingDown):
            guard f.state == .running, !shuttingDown else { return nil }
            to.state = .sleeping
            return Outcome(fields: to)
        case .woke:
            guard f.state == .sleeping else { return nil }
            to.state = .running
            return Outcome(fields: to)
        case .ended(let failed, let byHand, let shuttingDown):
            return runEnded(f, failed: failed, byHand: byHand, shuttingDown: shuttingDown)
        case .planned(let plan):
            return afterRun(f, plan)
        case .timedOut:
            guard f.state == .running || f.state == .sleeping || f.state == .cancelling else { return nil }
            to.stuck = true
            // A cancelled run stays cancelling until its body returns.
            if f.state != .cancelling { to.state = .failed }
            return Outcome(fields: to, effects: .recordFailure, event: .stuck)
        case .refused(let recurring, let shuttingDown):
            guard f.state == .queued else { return nil }
            if shuttingDown {
                to.state = .cancelled
                return Outcome(fields: to, event: .cancelled)
            }
            if recurring {
                // A refused retry ends the tick's retries; the next tick is
                // planned past now, the skipped ones counted.
                to.state = .scheduled
                return Outcome(fields: to, effects: [.dropRetry, .planSkipping, .insertDue], event: .overflow)
            }
            to.state = .failed
            to.gaveUp = true
            return Outcome(fields: to, effects: [.recordFailure, .noteFinished], event: .overflow)
        case .shutdown:
            guard f.state == .queued else { return nil }
            to.state = .cancelled
            return Outcome(fields: to, event: .cancelled)
        }
    }

    /// A run's body returned. A cancelled job (or any job at shutdown) is
    /// done; else the engine is told what to plan.
    @inline(__always)
    static func runEnded(_ f: Fields, failed: Bool, byHand: Bool, shuttingDown: Bool) -> Outcome {
        var to = f
        to.stuck = false
        if f.state == .cancelling || f.state == .cancelled || shuttingDown {
            to.state = .cancelled
            to.pauseAfterRun = false
            to.pausedByAll = false
            return Outcome(fields: to, effects: .noteFinished, event: .cancelled)
        }
        let plan: Effects = byHand ? .planByHand : (failed ? .planRetry : [.dropRetry, .planNext])
        return Outcome(fields: to, effects: plan)
    }

    /// The state after a run, from what the engine planned: a job asked to
    /// pause during the run pauses now and keeps its next due (less a
    /// pending retry); one with nothing planned is finished.
    @inline(__always)
    static func afterRun(_ f: Fields, _ plan: Plan) -> Outcome {
        var to = f
        var effects: Effects = []
        var event: EngineEvent.Kind?
        var hasNext: Bool
        switch plan {
        case .byHand(let state, let failed, let next):
            to.state = state
            hasNext = next
            event = failed ? .failed : (state == .retired ? .retired : .finished)
        case .afterFailure(let next, let gaveUp):
            to.gaveUp = f.gaveUp || gaveUp
            to.state = next || to.gaveUp ? .failed : .retired
            hasNext = next
            event = .failed
        case .afterSuccess(let next):
            to.state = next ? .scheduled : .retired
            hasNext = next
            event = next ? .finished : .retired
        }
        if hasNext && f.pauseAfterRun {
            effects.insert(.dropRetry)
            hasNext = false
            to.state = .paused
            if event == .finished { event = .paused }
        }
        to.pauseAfterRun = false
        if to.state != .paused { to.pausedByAll = false }
        if hasNext { effects.insert(.insertDue) }
        if to.state.isFinal || (to.state == .failed && !hasNext) { effects.insert(.noteFinished) }
        return Outcome(fields: to, effects: effects, event: event)
    }
}

extension JobLifecycle.Fields {
    /// Waiting for its next run: scheduled, or failed with a retry or the
    /// next tick planned (not stuck, not given up). The one place this is
    /// decided.
    @inline(__always)
    var awaitsRun: Bool { state == .scheduled || (state == .failed && !stuck && !gaveUp) }
}
