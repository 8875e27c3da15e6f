import Foundation
import Testing
@testable import Tickwork

@Suite("Pause-all and resume-all")
struct PauseAllTests {
    @Test("resume-all undoes pause-all exactly: runs in flight, jobs submitted meanwhile, hand pauses kept")
    func resumeAllIsTheInverse() throws {
        let (engine, clock) = try manualEngine(workers: 4)
        defer { engine.shutdown() }
        let gate = Gate()
        let every = Schedule.every(.seconds(1))
        let idle = try engine.submit(JobSpec(name: "idle", schedule: .every(.seconds(60))) { _ in })
        let inFlight = try engine.submit(JobSpec(name: "in-flight", schedule: every) { ctx in ctx.waiting(on: "the gate") { gate.wait() } })
        let handPaused = try engine.submit(JobSpec(name: "hand-paused", schedule: .every(.seconds(60))) { _ in })
        let handPausing = try engine.submit(JobSpec(name: "hand-pausing", schedule: every) { ctx in ctx.waiting(on: "the gate") { gate.wait() } })
        clock.advance(by: .ms(1)); engine.settle()
        #expect(engine.waitForChange(within: .seconds(10)) { engine.info(inFlight)?.state == .running && engine.info(handPausing)?.state == .running })
        #expect(engine.pause(handPaused) && engine.pause(handPausing))

        #expect(engine.pauseAll() == 2, "idle now, in-flight after its run; the hand pauses are not pause-all's")
        #expect(engine.snapshot().pausedAll)
        #expect(engine.info(idle)?.state == .paused)
        #expect(engine.info(inFlight)?.pausePending == true)
        let born = try engine.submit(JobSpec(name: "born-paused", schedule: every) { _ in })
        #expect(engine.info(born)?.state == .paused, "a job submitted under pause-all starts paused")
        gate.release()
        #expect(engine.waitForChange(within: .seconds(10)) { engine.info(inFlight)?.state == .paused && engine.info(handPausing)?.state == .paused })
        clock.advance(by: .seconds(2)); engine.settle()
        #expect(engine.info(born)?.runs == 0 && engine.info(inFlight)?.runs == 1)

        #expect(engine.resumeAll() == 3)
        #expect(!engine.snapshot().pausedAll)
        for id in [idle, inFlight, born] { #expect(engine.info(id)?.state == .scheduled) }
        for id in [handPaused, handPausing] { #expect(engine.info(id)?.state == .paused, "a hand pause outlives resume-all") }
        // Resumed on their grids (no burst): each runs within the next period and a half.
        clock.advance(by: .milliseconds(1500)); engine.settle()
        // settle() does not wait for a run inside `waiting(on:)` (the gate is
        // open now, but the worker thread may still be on its way out).
        #expect(engine.waitForChange(within: .seconds(10)) { engine.info(inFlight)?.runs ?? 0 >= 2 && engine.info(inFlight)?.state == .scheduled })
        #expect((engine.info(born)?.runs ?? 0) >= 1)
        let snap = engine.snapshot()
        #expect(snap.count(.paused) == 2 && snap.count(.scheduled) == 3)
    }

    @Test("resume-all racing runs, submissions and the clock leaves nothing paused that it paused", arguments: [1, 2, 3])
    func racing(seed: Int) throws {
        let (engine, clock) = try manualEngine(workers: 4)
        defer { engine.shutdown() }
        let hand = try engine.submit(JobSpec(name: "hand", schedule: .every(.ms(3))) { _ in })
        #expect(engine.pause(hand))
        for i in 0..<64 {
            try engine.submit(JobSpec(name: "j\(i)", schedule: .every(.ms(1 + i % 3))) { ctx in
                // Some runs sleep (a pause lands while they are sleeping), some return at once.
                if i % 2 == 0 { _ = ctx.sleep(for: .microseconds(500)) }
            })
        }
        let toggled = Gate(), submitted = Gate()
        Thread.detachNewThread {
            for _ in 0..<300 { engine.pauseAll(); engine.resumeAll() }
            toggled.release()
        }
        Thread.detachNewThread {
            for i in 0..<200 { _ = try? engine.submit(JobSpec(name: "late\(i)", schedule: .every(.ms(2))) { _ in }) }
            submitted.release()
        }
        for _ in 0..<400 { clock.advance(by: .microseconds(250 * seed)) }
        toggled.wait(); submitted.wait()
        engine.resumeAll()
        // Runs that were in flight finish at this instant; nothing may be left paused or pausing.
        clock.advance(by: .ms(1)); engine.settle()
        let paused = engine.jobs(JobQuery(states: [.paused], limit: 1000))
        #expect(paused.jobs.map(\.name) == ["hand"], "only the hand-paused job stays paused")
        let pending = engine.jobs(JobQuery(limit: 1000)).jobs.filter { $0.pausePending }
        #expect(pending.isEmpty)
        #expect(engine.snapshot().count(.paused) == 1)
    }
}
