import Testing
@testable import Tickwork

/// The event log is the transition stream: each change says which job,
/// from which state to which, on which worker and why, and the stream
/// counts every change, batched or not.
@Suite("Transition stream")
struct TransitionStreamTests {
    private func all(_ engine: Engine) -> [EngineEvent] { engine.events(after: 0, limit: 100_000).events }

    @Test("a batch of 10,000 submissions is one event that counts 10,000; a few are an event each")
    func batchesCountTheirSize() throws {
        let (engine, _) = try manualEngine(workers: 1)
        defer { engine.shutdown() }
        try engine.submit(contentsOf: (0..<10_000).map { JobSpec(name: "bulk-\($0)", schedule: .every(.seconds(60))) { _ in } })
        let few = try engine.submit(contentsOf: (0..<3).map { JobSpec(name: "few-\($0)", schedule: .every(.seconds(60))) { _ in } })
        let events = all(engine)
        #expect(events.count == 4)
        #expect(events[0].kind == .submitted && events[0].count == 10_000 && events[0].job == nil && events[0].to == .scheduled)
        #expect(events.dropFirst().map(\.job) == few && events.dropFirst().allSatisfy { $0.count == 1 && $0.cause == .submission })
        #expect(engine.snapshot().eventCounts[.submitted] == 10_003)
    }

    @Test("jobs submitted under pause-all are announced as born paused")
    func bornPausedSubmissionsAreAnnounced() throws {
        let (engine, _) = try manualEngine(workers: 1)
        defer { engine.shutdown() }
        _ = engine.pauseAll()
        let id = try engine.submit(JobSpec(name: "late", schedule: .every(.seconds(1))) { _ in })
        let submitted = all(engine).filter { $0.kind == .submitted }
        #expect(submitted.map(\.job) == [id] && submitted.first?.to == .paused)
    }

    @Test("a run's start and end, a failure, a person's pause and a cancel of a sleeping run, each with from, to, worker and cause")
    func transitionsCarryTheirStates() throws {
        let (engine, clock) = try manualEngine(workers: 1)   // its worker is w1
        defer { engine.shutdown() }
        let ok = try engine.submit(JobSpec(name: "ok", schedule: .every(.seconds(10))) { _ in })
        struct Boom: Error {}
        let bad = try engine.submit(JobSpec(name: "bad", schedule: .every(.seconds(10))) { _ in throw Boom() })
        clock.advance(by: .ms(1)); engine.settle()
        clock.advance(by: .seconds(10)); engine.settle()
        var events = all(engine).filter { $0.job == ok }
        let started = try #require(events.first { $0.kind == .started })
        #expect(started.from == .queued && started.to == .running && started.worker == 1 && started.cause == .run)
        let finished = try #require(events.first { $0.kind == .finished })
        #expect(finished.from == .running && finished.to == .scheduled && finished.worker == 1 && finished.cause == .run)
        let failed = try #require(all(engine).first { $0.job == bad && $0.kind == .failed })
        #expect(failed.from == .running && failed.to == .failed && failed.cause == .run && failed.message.contains("Boom"))

        #expect(engine.pause(ok))
        let paused = try #require(all(engine).last)
        #expect(paused.kind == .paused && paused.from == .scheduled && paused.to == .paused && paused.cause == .control)
        #expect(paused.worker == nil, "a paused job has no worker")

        let sleeper = try engine.submit(JobSpec(name: "sleeper", schedule: .once()) { ctx in _ = ctx.sleep(for: .seconds(60)) })
        clock.advance(by: .ms(1)); engine.settle()
        #expect(engine.info(sleeper)?.state == .sleeping)
        #expect(engine.cancel(sleeper))
        #expect(engine.waitForChange(within: .seconds(10)) { engine.info(sleeper)?.state == .cancelled })
        events = all(engine).filter { $0.job == sleeper }
        #expect(events.map(\.kind) == [.submitted, .started, .cancelled, .cancelled])
        // In the order they happened, though the woken run ends at once.
        #expect(events[2].from == .sleeping && events[2].to == .cancelling && events[2].cause == .control && events[2].worker == 1, "\(events[2])")
        #expect(events[3].from == .cancelling && events[3].to == .cancelled && events[3].cause == .run && events[3].worker == 1, "\(events[3])")

        // The counts agree with the stream, kind by kind.
        let counts = engine.snapshot().eventCounts
        for kind in EngineEvent.Kind.allCases {
            #expect(counts[kind] == all(engine).filter { $0.kind == kind }.reduce(0) { $0 + $1.count }, "\(kind)")
        }
    }

    @Test("with run events off, runs are neither in the stream nor in its counts; other changes still are")
    func runEventsOff() throws {
        let clock = ManualClock()
        let engine = try Engine(EngineConfiguration(workers: 1, timerResolutionShift: 10, recordRunEvents: false, clock: clock))
        defer { engine.shutdown() }
        let id = try engine.submit(JobSpec(name: "quiet", schedule: .every(.seconds(1))) { _ in })
        clock.advance(by: .ms(1)); engine.settle()
        for _ in 0..<4 { clock.advance(by: .seconds(1)); engine.settle() }
        #expect(engine.info(id)?.runs == 5)
        #expect(engine.pause(id))
        #expect(all(engine).map(\.kind) == [.submitted, .paused])
        let counts = engine.snapshot().eventCounts
        #expect(counts[.started] == 0 && counts[.finished] == 0 && counts[.submitted] == 1 && counts[.paused] == 1)
        #expect(engine.snapshot().runs == 5, "the snapshot still counts the runs")
    }
}

@Suite("State and kind numbering")
struct OrdinalTests {
    @Test("each state's and each event kind's number is its place among all of them")
    func ordinalsArePositions() {
        #expect(JobState.caseCount == JobState.allCases.count)
        #expect(JobState.allCases.enumerated().allSatisfy { $0.offset == $0.element.order })
        #expect(EngineEvent.Kind.allCases.enumerated().allSatisfy { $0.offset == $0.element.ordinal })
    }
}

@Suite("Event log reads")
struct EventLogReadTests {
    @Test("any position and limit is answered: past the end, at UInt64.max, a limit of 0 or less")
    func anyPositionAndLimit() throws {
        let log = EventLog(capacity: 4)
        for i in 0..<6 { log.record(.submitted, at: Int64(i), name: "e\(i)", cause: .submission) }
        let all = log.events(after: 0, limit: 100)
        #expect(all.events.map(\.name) == ["e2", "e3", "e4", "e5"] && all.missed == 2 && all.lastSeq == 6)
        #expect(log.events(after: 6, limit: 10).events.isEmpty && log.events(after: 6, limit: 10).missed == 0)
        #expect(log.events(after: .max, limit: 10).events.isEmpty)
        #expect(log.events(after: 0, limit: 0).events.isEmpty && log.events(after: 0, limit: -5).events.isEmpty)
        #expect(log.events(after: 3, limit: 2).events.map(\.name) == ["e3", "e4"])
        #expect(log.events(after: 3, limit: .max).events.map(\.name) == ["e3", "e4", "e5"])
    }
}
