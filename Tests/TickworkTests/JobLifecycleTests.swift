import Testing
@testable import Tickwork

/// A person's controls as a table over `JobLifecycle.apply`: no engine, no
/// threads. Each row: the job's fields, the control, and the outcome
/// (nil: nothing to do, the call returns false).
@Suite("Job lifecycle: pause, resume and cancel as a table")
struct JobLifecycleTests {
    typealias F = JobLifecycle.Fields
    typealias O = JobLifecycle.Outcome

    static let rows: [(String, F, JobLifecycle.Control, O?)] = [
        ("a scheduled job pauses", F(state: .scheduled), .pause(byAll: false),
         O(fields: F(state: .paused), effects: .dropRetry, event: .paused)),
        ("a retrying job pauses (pause-all's)", F(state: .failed), .pause(byAll: true),
         O(fields: F(state: .paused, pausedByAll: true), effects: .dropRetry, event: .paused)),
        ("a job that gave up has nothing to pause", F(state: .failed, gaveUp: true), .pause(byAll: false), nil),
        ("a stuck job has nothing to pause", F(state: .failed, stuck: true), .pause(byAll: true), nil),
        ("a queued job pauses and leaves its queue", F(state: .queued), .pause(byAll: false),
         O(fields: F(state: .paused), effects: [.dropRetry, .dropRunByHand, .removeFromQueue], event: .paused)),
        ("a running job pauses after its run", F(state: .running), .pause(byAll: true),
         O(fields: F(state: .running, pauseAfterRun: true, pausedByAll: true), event: .paused, message: "after the current run")),
        ("pause-all does not take over a person's pause after the run", F(state: .sleeping, pauseAfterRun: true), .pause(byAll: true), nil),
        ("a person's pause takes over pause-all's", F(state: .running, pauseAfterRun: true, pausedByAll: true), .pause(byAll: false),
         O(fields: F(state: .running, pauseAfterRun: true), event: .paused, message: "after the current run")),
        ("a paused job is not paused again", F(state: .paused), .pause(byAll: false), nil),
        ("resume-all leaves a person's pause", F(state: .paused), .resume(onlyIfPausedByAll: true), nil),
        ("resume-all undoes its own pause", F(state: .paused, pausedByAll: true), .resume(onlyIfPausedByAll: true),
         O(fields: F(state: .scheduled), effects: [.planAfterPause, .insertDue], event: .resumed)),
        ("a person resumes any pause", F(state: .paused, pausedByAll: true), .resume(onlyIfPausedByAll: false),
         O(fields: F(state: .scheduled), effects: [.planAfterPause, .insertDue], event: .resumed)),
        ("resuming a job that gave up is a fresh start", F(state: .failed, gaveUp: true), .resume(onlyIfPausedByAll: false),
         O(fields: F(state: .scheduled), effects: [.freshStart, .insertDue], event: .resumed)),
        ("resume-all does not restart a job that gave up", F(state: .failed, gaveUp: true), .resume(onlyIfPausedByAll: true), nil),
        ("resume-all calls off its pause after the run, quietly", F(state: .running, pauseAfterRun: true, pausedByAll: true),
         .resume(onlyIfPausedByAll: true), O(fields: F(state: .running))),
        ("resume-all leaves a person's pause after the run", F(state: .running, pauseAfterRun: true), .resume(onlyIfPausedByAll: true), nil),
        ("a scheduled job has nothing to resume", F(state: .scheduled), .resume(onlyIfPausedByAll: false), nil),
        ("a scheduled job is cancelled", F(state: .scheduled), .cancel,
         O(fields: F(state: .cancelled), effects: .noteFinished, event: .cancelled)),
        ("a stuck job is cancelling until its run returns", F(state: .failed, stuck: true), .cancel,
         O(fields: F(state: .cancelling, stuck: true), event: .cancelled, message: "the running run was told")),
        ("a queued job is cancelled and leaves its queue", F(state: .queued), .cancel,
         O(fields: F(state: .cancelled), effects: [.removeFromQueue, .noteFinished], event: .cancelled)),
        ("a sleeping run is told and woken; its pause is dropped", F(state: .sleeping, pauseAfterRun: true), .cancel,
         O(fields: F(state: .cancelling), effects: .wakeSleeper, event: .cancelled, message: "the running run was told")),
        ("a running run is told", F(state: .running), .cancel,
         O(fields: F(state: .cancelling), event: .cancelled, message: "the running run was told")),
        ("a retired job is not cancelled", F(state: .retired), .cancel, nil),
        ("a cancelling job is not cancelled twice", F(state: .cancelling), .cancel, nil),
    ]

    @Test("each row's outcome", arguments: 0..<rows.count)
    func row(_ i: Int) {
        let (name, fields, control, want) = Self.rows[i]
        #expect(JobLifecycle.apply(control, to: fields) == want, "\(name)")
    }

    /// Every combination of the fields the lifecycle reads that a job can
    /// be in: a pause after the run exists only while a run is in
    /// progress, and pause-all's mark only on a pause.
    static var everyFields: [F] {
        var all: [F] = []
        for state in JobState.allCases {
            for bits in 0..<16 {
                let f = F(state: state, pauseAfterRun: bits & 1 != 0, pausedByAll: bits & 2 != 0,
                          stuck: bits & 4 != 0, gaveUp: bits & 8 != 0)
                if f.pauseAfterRun && state != .running && state != .sleeping { continue }
                if f.pausedByAll && state != .paused && !f.pauseAfterRun { continue }
                all.append(f)
            }
        }
        return all
    }

    @Test("over every combination: final states never move, resume-all undoes exactly pause-all, and never a person's pause")
    func invariants() {
        for f in Self.everyFields {
            for control: JobLifecycle.Control in [.pause(byAll: false), .pause(byAll: true), .resume(onlyIfPausedByAll: false),
                                                  .resume(onlyIfPausedByAll: true), .cancel] {
                let out = JobLifecycle.apply(control, to: f)
                if f.state.isFinal { #expect(out == nil, "\(f) \(control)") }
                if let out, out.fields.state != f.state { #expect(out.event != nil, "a change of state is announced: \(f) \(control)") }
            }
            // Pause-all then resume-all: back on the schedule (or to the run in progress) with no pause left.
            if let paused = JobLifecycle.apply(.pause(byAll: true), to: f) {
                let resumed = JobLifecycle.apply(.resume(onlyIfPausedByAll: true), to: paused.fields)
                #expect(resumed != nil, "resume-all undoes \(f)")
                if let r = resumed?.fields {
                    #expect(!r.pauseAfterRun && !r.pausedByAll)
                    #expect(r.state == ([.running, .sleeping].contains(f.state) ? f.state : .scheduled), "\(f) → \(r)")
                }
            }
            // A person's pause survives resume-all.
            if let paused = JobLifecycle.apply(.pause(byAll: false), to: f) {
                #expect(JobLifecycle.apply(.resume(onlyIfPausedByAll: true), to: paused.fields) == nil, "\(f)")
            }
        }
    }
}
