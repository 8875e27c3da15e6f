import Testing
@testable import Tickwork

/// A job's runs as a table over `JobLifecycle.apply(_: RunInput, to:)`: the
/// sweep firing it, a worker starting it, its body sleeping, waking and
/// returning, the plan after it, a timeout, a full queue, shutdown. No
/// engine, no threads. Each row: the fields, the input, the outcome (nil:
/// nothing changes).
@Suite("Job lifecycle: a job's runs as a table")
struct JobLifecycleRunTests {
    typealias F = JobLifecycle.Fields
    typealias O = JobLifecycle.Outcome
    typealias I = JobLifecycle.RunInput

    static let rows: [(String, F, I, O?)] = [
        // The sweep.
        ("a scheduled job that is due is queued", F(state: .scheduled), .fired(due: 10, now: 10),
         O(fields: F(state: .queued), effects: .enqueue)),
        ("a job not yet due stays", F(state: .scheduled), .fired(due: 11, now: 10), nil),
        ("a retrying job is queued", F(state: .failed), .fired(due: 5, now: 10), O(fields: F(state: .queued), effects: .enqueue)),
        ("a stuck job is not queued", F(state: .failed, stuck: true), .fired(due: 5, now: 10), nil),
        ("a job that gave up is not queued", F(state: .failed, gaveUp: true), .fired(due: 5, now: 10), nil),
        ("a paused job's stale entry is dropped", F(state: .paused), .fired(due: 5, now: 10), nil),
        ("a cancelled job's stale entry is dropped", F(state: .cancelled), .fired(due: 5, now: 10), nil),
        // A run by hand.
        ("a paused job runs by hand", F(state: .paused, pausedByAll: true), .runByHand(shuttingDown: false),
         O(fields: F(state: .queued, pausedByAll: true), effects: .enqueue)),
        ("a scheduled job runs by hand", F(state: .scheduled), .runByHand(shuttingDown: false),
         O(fields: F(state: .queued), effects: .enqueue)),
        ("no run by hand once shutdown began", F(state: .scheduled), .runByHand(shuttingDown: true), nil),
        ("no run by hand of a running job", F(state: .running), .runByHand(shuttingDown: false), nil),
        ("no run by hand of a job that gave up", F(state: .failed, gaveUp: true), .runByHand(shuttingDown: false), nil),
        ("a refused run by hand puts the job back", F(state: .queued), .runByHandRefused(back: .paused),
         O(fields: F(state: .paused))),
        ("a refused run by hand leaves a job cancelled meanwhile", F(state: .cancelled), .runByHandRefused(back: .paused), nil),
        // A worker takes the run.
        ("a queued run starts", F(state: .queued), .started(shuttingDown: false), O(fields: F(state: .running), event: .started)),
        ("a run taken as shutdown began never starts", F(state: .queued), .started(shuttingDown: true),
         O(fields: F(state: .cancelled), event: .cancelled)),
        ("a run whose job was paused while it waited is dropped", F(state: .paused), .started(shuttingDown: false), nil),
        // The body sleeps and wakes.
        ("a running body sleeps", F(state: .running), .slept(shuttingDown: false), O(fields: F(state: .sleeping))),
        ("no sleep once shutdown began", F(state: .running), .slept(shuttingDown: true), nil),
        ("a cancelled run does not sleep", F(state: .cancelling), .slept(shuttingDown: false), nil),
        ("a sleeping body wakes", F(state: .sleeping, pauseAfterRun: true), .woke,
         O(fields: F(state: .running, pauseAfterRun: true))),
        ("a run written off while asleep stays failed", F(state: .failed, stuck: true), .woke, nil),
        // The body returns: what to plan.
        ("a run that succeeded: the next due is planned, a pending retry dropped", F(state: .running),
         .ended(failed: false, byHand: false, shuttingDown: false), O(fields: F(state: .running), effects: [.dropRetry, .planNext])),
        ("a run that failed: a retry or the next tick is planned", F(state: .running),
         .ended(failed: true, byHand: false, shuttingDown: false), O(fields: F(state: .running), effects: .planRetry)),
        ("a stuck run's end clears the mark and plans as a failure", F(state: .failed, stuck: true),
         .ended(failed: true, byHand: false, shuttingDown: false), O(fields: F(state: .failed), effects: .planRetry)),
        ("a run by hand goes back to where it was", F(state: .running),
         .ended(failed: false, byHand: true, shuttingDown: false), O(fields: F(state: .running), effects: .planByHand)),
        ("a cancelled run's job is cancelled", F(state: .cancelling, stuck: true),
         .ended(failed: false, byHand: false, shuttingDown: false), O(fields: F(state: .cancelled), effects: .noteFinished, event: .cancelled)),
        ("at shutdown a run's job is cancelled and its pause dropped", F(state: .running, pauseAfterRun: true, pausedByAll: true),
         .ended(failed: false, byHand: false, shuttingDown: true), O(fields: F(state: .cancelled), effects: .noteFinished, event: .cancelled)),
        // What was planned.
        ("a next due: scheduled", F(state: .running), .planned(.afterSuccess(hasNext: true)),
         O(fields: F(state: .scheduled), effects: .insertDue, event: .finished)),
        ("no next due: retired", F(state: .running), .planned(.afterSuccess(hasNext: false)),
         O(fields: F(state: .retired), effects: .noteFinished, event: .retired)),
        ("paused during the run: paused, keeping pause-all's mark", F(state: .running, pauseAfterRun: true, pausedByAll: true),
         .planned(.afterSuccess(hasNext: true)), O(fields: F(state: .paused, pausedByAll: true), effects: .dropRetry, event: .paused)),
        ("a job retiring during a pause is retired, not paused", F(state: .running, pauseAfterRun: true),
         .planned(.afterSuccess(hasNext: false)), O(fields: F(state: .retired), effects: .noteFinished, event: .retired)),
        ("a retry planned: failed, waiting", F(state: .running), .planned(.afterFailure(hasNext: true, gaveUp: false)),
         O(fields: F(state: .failed), effects: .insertDue, event: .failed)),
        ("gave up: failed for good", F(state: .running), .planned(.afterFailure(hasNext: false, gaveUp: true)),
         O(fields: F(state: .failed, gaveUp: true), effects: .noteFinished, event: .failed)),
        ("nothing more to run after a failure: retired", F(state: .running), .planned(.afterFailure(hasNext: false, gaveUp: false)),
         O(fields: F(state: .retired), effects: .noteFinished, event: .failed)),
        ("failed while a pause waited: paused, the failure announced", F(state: .running, pauseAfterRun: true),
         .planned(.afterFailure(hasNext: true, gaveUp: false)), O(fields: F(state: .paused), effects: .dropRetry, event: .failed)),
        ("a run by hand of a paused job: paused again", F(state: .running, pausedByAll: true),
         .planned(.byHand(to: .paused, failed: false, hasNext: false)), O(fields: F(state: .paused, pausedByAll: true), event: .finished)),
        ("a run by hand ending a one-time job's retries: retired", F(state: .running),
         .planned(.byHand(to: .retired, failed: false, hasNext: false)), O(fields: F(state: .retired), effects: .noteFinished, event: .retired)),
        ("a run by hand of a retrying job failed too: still retrying", F(state: .running),
         .planned(.byHand(to: .failed, failed: true, hasNext: true)), O(fields: F(state: .failed), effects: .insertDue, event: .failed)),
        // Timeouts.
        ("a running run outlives its timeout: failed and stuck", F(state: .running), .timedOut,
         O(fields: F(state: .failed, stuck: true), effects: .recordFailure, event: .stuck)),
        ("a sleeping run too", F(state: .sleeping), .timedOut, O(fields: F(state: .failed, stuck: true), effects: .recordFailure, event: .stuck)),
        ("a cancelled run stays cancelling, stuck", F(state: .cancelling), .timedOut,
         O(fields: F(state: .cancelling, stuck: true), effects: .recordFailure, event: .stuck)),
        ("no run, no timeout", F(state: .scheduled), .timedOut, nil),
        // A full queue, and shutdown.
        ("a recurring job's refused run: the next tick past now", F(state: .queued), .refused(recurring: true, shuttingDown: false),
         O(fields: F(state: .scheduled), effects: [.dropRetry, .planSkipping, .insertDue], event: .overflow)),
        ("a one-time job's refused run: failed for good", F(state: .queued), .refused(recurring: false, shuttingDown: false),
         O(fields: F(state: .failed, gaveUp: true), effects: [.recordFailure, .noteFinished], event: .overflow)),
        ("a run refused as shutdown began: cancelled", F(state: .queued), .refused(recurring: true, shuttingDown: true),
         O(fields: F(state: .cancelled), event: .cancelled)),
        ("a refused run of a job paused meanwhile changes nothing", F(state: .paused), .refused(recurring: true, shuttingDown: false), nil),
        ("shutdown cancels a queued run", F(state: .queued), .shutdown, O(fields: F(state: .cancelled), event: .cancelled)),
        ("shutdown leaves a running one to its worker", F(state: .running), .shutdown, nil),
    ]

    @Test("each row's outcome", arguments: 0..<rows.count)
    func row(_ i: Int) {
        let (name, fields, input, want) = Self.rows[i]
        #expect(JobLifecycle.apply(input, to: fields) == want, "\(name)")
    }

    static let inputs: [I] = [
        .fired(due: 0, now: 0), .runByHand(shuttingDown: false), .runByHandRefused(back: .scheduled),
        .started(shuttingDown: false), .started(shuttingDown: true), .slept(shuttingDown: false), .woke,
        .ended(failed: false, byHand: false, shuttingDown: false), .ended(failed: true, byHand: false, shuttingDown: false),
        .ended(failed: false, byHand: true, shuttingDown: false), .ended(failed: false, byHand: false, shuttingDown: true),
        .planned(.afterSuccess(hasNext: true)), .planned(.afterFailure(hasNext: false, gaveUp: true)),
        .timedOut, .refused(recurring: true, shuttingDown: false), .refused(recurring: false, shuttingDown: false), .shutdown,
    ]

    /// The inputs that only follow a run in progress (`ended`, `timedOut`)
    /// or its end (`planned`) are left out for jobs in no such state.
    static func reachable(_ input: I, _ f: F) -> Bool {
        switch input {
        case .ended, .timedOut: return [.running, .sleeping, .cancelling].contains(f.state) || (f.state == .failed && f.stuck)
        // After `ended`: the run's state, the stuck mark cleared.
        case .planned: return (f.state == .running || f.state == .failed) && !f.stuck && !f.gaveUp
        default: return true
        }
    }

    @Test("over every combination: a final state never moves, a stuck mark stays on failed or cancelling jobs, a queued job is enqueued, a finished one noted")
    func invariants() {
        // A stuck mark exists only on a failed or cancelling job.
        for f in JobLifecycleTests.everyFields where !f.stuck || f.state == .failed || f.state == .cancelling {
            for input in Self.inputs where Self.reachable(input, f) {
                guard let out = JobLifecycle.apply(input, to: f) else { continue }
                let to = out.fields
                if f.state.isFinal { Issue.record("a final state moved: \(f) \(input) → \(to)") }
                if to.stuck { #expect(to.state == .failed || to.state == .cancelling, "\(f) \(input) → \(to)") }
                if to.state == .queued { #expect(out.effects.contains(.enqueue), "queued without a queue: \(f) \(input)") }
                if to.state.isFinal && !f.state.isFinal && to.state != .cancelled {
                    #expect(out.effects.contains(.noteFinished), "finished unnoticed: \(f) \(input)")
                }
                // Only while a run is in progress: running, asleep, or failed
                // (written off as stuck, or ended and waiting for its plan).
                if to.pauseAfterRun { #expect([.running, .sleeping, .failed].contains(to.state), "\(f) \(input) → \(to)") }
            }
        }
    }

    @Test("a run walked through: fired, started, slept, woke, ended and planned, back on the schedule")
    func aRunWalkedThrough() throws {
        var f = F(state: .scheduled)
        let steps: [I] = [.fired(due: 0, now: 1), .started(shuttingDown: false), .slept(shuttingDown: false), .woke,
                          .ended(failed: false, byHand: false, shuttingDown: false), .planned(.afterSuccess(hasNext: true))]
        var states: [JobState] = []
        for step in steps {
            f = try #require(JobLifecycle.apply(step, to: f), "\(step) from \(f)").fields
            states.append(f.state)
        }
        #expect(states == [.queued, .running, .sleeping, .running, .running, .scheduled])
        // A pause asked for mid-run (the control) lands when the run ends.
        var g = try #require(JobLifecycle.apply(.started(shuttingDown: false), to: F(state: .queued))).fields
        g = try #require(JobLifecycle.apply(.pause(byAll: false), to: g)).fields
        g = try #require(JobLifecycle.apply(.ended(failed: false, byHand: false, shuttingDown: false), to: g)).fields
        let last = try #require(JobLifecycle.apply(.planned(.afterSuccess(hasNext: true)), to: g))
        #expect(last.fields == F(state: .paused) && last.event == .paused && !last.effects.contains(.insertDue))
    }
}
