/// A job's lifecycle under a person's controls (pause, resume, cancel) as
/// one pure function: the fields it decides and the input in; the new
/// fields, the effects the engine carries out and the event to emit out.
/// The engine is its storage: it reads the fields under the job's stripe
/// lock, applies the outcome, and carries out the effects (issue 13; the
/// model is swift-async-algorithms' StateMachine + Storage). Tested as a
/// table, without threads. Pure values, any thread.
enum JobLifecycle {
    /// What a person asks of a job.
    enum Control: Equatable {
        /// `byAll`: from `pauseAll()`, which `resumeAll()` undoes.
        case pause(byAll: Bool)
        /// `onlyIfPausedByAll`: from `resumeAll()`, which leaves a person's pauses alone.
        case resume(onlyIfPausedByAll: Bool)
        case cancel
    }

    /// The fields of a job's record the lifecycle decides.
    struct Fields: Equatable {
        var state: JobState
        /// A run is in progress and the job pauses when it ends.
        var pauseAfterRun = false
        /// The pause (or the pause after the run) is `pauseAll()`'s.
        var pausedByAll = false
        /// The run outlived its timeout; its worker was written off.
        var stuck = false
        /// Failed for good: no run is planned until a person resumes it.
        var gaveUp = false
    }

    /// What the engine does besides writing the fields.
    struct Effects: OptionSet, Equatable {
        let rawValue: UInt16
        /// With the stripe lock: drop a pending retry of the tick.
        static let dropRetry = Effects(rawValue: 1 << 0)
        /// With the stripe lock: forget a run by hand waiting in the queue.
        static let dropRunByHand = Effects(rawValue: 1 << 1)
        /// Then: take the job's waiting runs out of its queue.
        static let removeFromQueue = Effects(rawValue: 1 << 2)
        /// With the stripe lock: a fresh start (no failures counted, due now).
        static let freshStart = Effects(rawValue: 1 << 3)
        /// With the stripe lock: plan the next due after a pause, by the schedule's missed-tick policy.
        static let planAfterPause = Effects(rawValue: 1 << 4)
        /// Then: put the job in the due-time index at its next due.
        static let insertDue = Effects(rawValue: 1 << 5)
        /// Then: wake the worker sleeping in the job's run.
        static let wakeSleeper = Effects(rawValue: 1 << 6)
        /// Then: the job reached a final state (retention counts it).
        static let noteFinished = Effects(rawValue: 1 << 7)
        // The run inputs' (`JobLifecycle+Run`):
        /// Then: put the run in the job's queue.
        static let enqueue = Effects(rawValue: 1 << 8)
        /// With the stripe lock: plan the next due after a run that
        /// succeeded, and answer with `.planned(.afterSuccess)`.
        static let planNext = Effects(rawValue: 1 << 9)
        /// With the stripe lock: plan a retry, the next tick or giving up
        /// after a failed run, and answer with `.planned(.afterFailure)`.
        static let planRetry = Effects(rawValue: 1 << 10)
        /// With the stripe lock: put the job back where it was before a run
        /// by hand, and answer with `.planned(.byHand)`.
        static let planByHand = Effects(rawValue: 1 << 11)
        /// With the stripe lock: plan the next tick past now, counting the
        /// ones skipped (a refused run).
        static let planSkipping = Effects(rawValue: 1 << 12)
        /// With the stripe lock: record the failure the input names (a
        /// timeout, a refusal).
        static let recordFailure = Effects(rawValue: 1 << 13)
    }

    struct Outcome: Equatable {
        var fields: Fields
        var effects: Effects = []
        var event: EngineEvent.Kind?
        var message = ""
    }

    /// The outcome of `control` on a job with `fields`, or nil when there
    /// is nothing to do (the call returns false and nothing changes).
    static func apply(_ control: Control, to fields: Fields) -> Outcome? {
        switch control {
        case .pause(let byAll): return pause(fields, byAll: byAll)
        case .resume(let onlyByAll): return resume(fields, onlyIfPausedByAll: onlyByAll)
        case .cancel: return cancel(fields)
        }
    }

    private static func pause(_ f: Fields, byAll: Bool) -> Outcome? {
        var to = f
        switch f.state {
        case .scheduled, .failed:
            // A job that gave up, or whose run is stuck, has nothing to pause.
            guard f.awaitsRun else { return nil }
            to.state = .paused
            to.pausedByAll = byAll
            // Resume follows the schedule from the retried tick.
            return Outcome(fields: to, effects: .dropRetry, event: .paused)
        case .queued:
            to.state = .paused
            to.pausedByAll = byAll
            return Outcome(fields: to, effects: [.dropRetry, .dropRunByHand, .removeFromQueue], event: .paused)
        case .running, .sleeping:
            // Pause-all does not take over a pause a person asked for; a
            // person's pause takes over pause-all's (resume-all leaves it).
            guard !f.pauseAfterRun || (f.pausedByAll && !byAll) else { return nil }
            to.pausedByAll = f.pauseAfterRun ? false : byAll
            to.pauseAfterRun = true
            return Outcome(fields: to, event: .paused, message: "after the current run")
        default:
            return nil
        }
    }

    private static func resume(_ f: Fields, onlyIfPausedByAll: Bool) -> Outcome? {
        var to = f
        let ours = !onlyIfPausedByAll || f.pausedByAll
        if (f.state == .running || f.state == .sleeping) && f.pauseAfterRun && ours {
            // The run goes on and the job stays on its schedule: nothing to announce.
            to.pauseAfterRun = false
            to.pausedByAll = false
            return Outcome(fields: to)
        }
        let freshStart = f.state == .failed && f.gaveUp && !onlyIfPausedByAll
        guard (f.state == .paused && ours) || freshStart else { return nil }
        to.state = .scheduled
        to.pausedByAll = false
        if freshStart { to.gaveUp = false }
        return Outcome(fields: to, effects: [freshStart ? .freshStart : .planAfterPause, .insertDue], event: .resumed)
    }

    private static func cancel(_ f: Fields) -> Outcome? {
        var to = f
        var effects: Effects = []
        switch f.state {
        case .scheduled, .failed, .paused:
            // A stuck job's run is still on its written-off worker.
            to.state = f.stuck ? .cancelling : .cancelled
        case .queued:
            to.state = .cancelled
            effects.insert(.removeFromQueue)
        case .running, .sleeping:
            to.state = .cancelling
            if f.state == .sleeping { effects.insert(.wakeSleeper) }
        case .cancelling, .cancelled, .retired:
            return nil
        }
        to.pauseAfterRun = false
        if to.state == .cancelled { effects.insert(.noteFinished) }
        return Outcome(fields: to, effects: effects, event: .cancelled,
                       message: to.state == .cancelling ? "the running run was told" : "")
    }
}

extension Job {
    /// The fields `JobLifecycle` decides. Stripe lock held.
    var lifecycle: JobLifecycle.Fields {
        @inline(__always) get { JobLifecycle.Fields(state: state, pauseAfterRun: pauseAfterRun, pausedByAll: pausedByAll, stuck: stuck, gaveUp: gaveUp) }
        @inline(__always) set {
            state = newValue.state; pauseAfterRun = newValue.pauseAfterRun; pausedByAll = newValue.pausedByAll
            stuck = newValue.stuck; gaveUp = newValue.gaveUp
        }
    }
}
