import Testing
@testable import Tickwork

/// A run by hand (`runNow`): one run at once, and the schedule exactly as
/// it was before it. Manual clock.
@Suite("Runs by hand")
struct RunNowTests {
    @Test("a fixed-rate job runs at once and keeps its grid")
    func keepsTheGrid() throws {
        let (engine, clock) = try manualEngine()
        defer { engine.shutdown() }
        let start = clock.now()
        let id = try engine.submit(JobSpec(name: "tick", schedule: .every(.seconds(10)).startingAfter(.seconds(10))) { _ in })
        clock.advance(by: .seconds(3)); engine.settle()
        #expect(engine.info(id)?.runs == 0)
        #expect(engine.runNow(id))
        engine.settle()
        #expect(engine.info(id)?.runs == 1 && engine.info(id)?.state == .scheduled)
        #expect(engine.info(id)?.nextDueNs == start + 10_000_000_000)
        // A wheel slot fires at its end: just past the due time.
        clock.advance(by: .seconds(7) + .ms(1)); engine.settle()
        #expect(engine.info(id)?.runs == 2)
        clock.advance(by: .seconds(10)); engine.settle()
        #expect(engine.info(id)?.runs == 3 && engine.info(id)?.nextDueNs == start + 30_000_000_000)
    }

    @Test("a paused job runs once and stays paused; a cron job keeps its next fire time")
    func pausedAndCron() throws {
        let (engine, clock) = try manualEngine()
        defer { engine.shutdown() }
        let paused = try engine.submit(JobSpec(name: "p", schedule: .every(.seconds(5))) { _ in })
        clock.advance(by: .ms(1)); engine.settle()
        #expect(engine.pause(paused))
        #expect(engine.runNow(paused))
        engine.settle()
        #expect(engine.info(paused)?.runs == 2 && engine.info(paused)?.state == .paused)
        let cron = try engine.submit(JobSpec(name: "c", schedule: try .cron("0 3 * * *")) { _ in })
        clock.advance(by: .ms(1)); engine.settle()
        let due = engine.info(cron)?.nextDueNs
        #expect(engine.runNow(cron))
        engine.settle()
        #expect(engine.info(cron)?.runs == 1 && engine.info(cron)?.nextDueNs == due)
    }

    @Test("a one-time job still runs at its own time after a run by hand; a failing run by hand moves nothing")
    func oneTimeAndFailure() throws {
        let (engine, clock) = try manualEngine()
        defer { engine.shutdown() }
        let once = try engine.submit(JobSpec(name: "once", schedule: .once(after: .seconds(60))) { _ in })
        clock.advance(by: .ms(1)); engine.settle()
        #expect(engine.runNow(once))
        engine.settle()
        #expect(engine.info(once)?.runs == 1 && engine.info(once)?.state == .scheduled)
        clock.advance(by: .seconds(60)); engine.settle()
        #expect(engine.info(once)?.runs == 2 && engine.info(once)?.state == .retired)

        struct Boom: Error {}
        let failing = try engine.submit(JobSpec(name: "f", schedule: .every(.seconds(10)).startingAfter(.seconds(10))) { _ in throw Boom() })
        let due = clock.now() + 10_000_000_000
        #expect(engine.runNow(failing))
        engine.settle()
        let info = try #require(engine.info(failing))
        #expect(info.runs == 1 && info.errors == 1 && info.state == .scheduled && info.nextDueNs == due)
    }

    @Test("refused: a running, queued or finished job, and a full queue")
    func refusals() throws {
        let (engine, clock) = try manualEngine(workers: 1, queues: [try RunQueueConfig(name: "one", capacity: 1)])
        defer { engine.shutdown() }
        let gate = Gate()
        let blocker = try engine.submit(JobSpec(name: "blocker", schedule: .once()) { ctx in ctx.waiting(on: "gate") { gate.wait() } })
        clock.advance(by: .ms(1)); engine.settle()
        #expect(engine.info(blocker)?.state == .running)
        #expect(!engine.runNow(blocker))
        let a = try engine.submit(JobSpec(name: "a", queue: "one", schedule: .every(.seconds(100)).startingAfter(.seconds(100))) { _ in })
        let b = try engine.submit(JobSpec(name: "b", queue: "one", schedule: .every(.seconds(100)).startingAfter(.seconds(100))) { _ in })
        clock.advance(by: .ms(1)); engine.settle()
        // The one worker is held, so a's run waits in the one-slot queue; b's finds it full.
        #expect(engine.runNow(a) && engine.info(a)?.state == .queued)
        #expect(!engine.runNow(a))
        #expect(!engine.runNow(b) && engine.info(b)?.state == .scheduled)
        // Paused while its run by hand waits: the run is dropped, the schedule stays.
        #expect(engine.pause(a) && engine.info(a)?.state == .paused)
        gate.release()
        // `settle()` does not wait for a run waiting outside the engine: wait for the blocker to end.
        #expect(engine.waitForChange(within: .seconds(10)) { engine.info(blocker)?.state == .retired })
        engine.settle()
        #expect(engine.info(a)?.runs == 0)
        #expect(engine.resume(a))
        clock.advance(by: .seconds(100)); engine.settle()
        // Both fall due together into a one-slot queue: each runs, or is refused and counted.
        let ra = try #require(engine.info(a)), rb = try #require(engine.info(b))
        #expect(ra.runs + ra.overflows == 1 && rb.runs + rb.overflows == 1 && ra.runs + rb.runs >= 1)
        #expect(engine.info(blocker)?.state == .retired && !engine.runNow(blocker))
        let s = engine.snapshot()
        #expect(s.count(.scheduled) == 2 && s.count(.queued) == 0 && s.count(.retired) == 1 && s.count(.paused) == 0)
    }
}
