import Testing
@testable import Tickwork

@Suite("States and control")
struct ControlTests {
    @Test("a sleeping run shows sleeping; cancel wakes it at once and the job ends cancelled")
    func cancelWakesSleep() throws {
        let (engine, clock) = try manualEngine()
        defer { engine.shutdown() }
        let woke = Recorder<Bool>()
        let id = try engine.submit(JobSpec(name: "sleepy", schedule: .once()) { ctx in
            woke.add(ctx.sleep(for: .seconds(3600)))
            woke.add(ctx.isCancelled)
        })
        clock.advance(by: .ms(1)); engine.settle()
        #expect(engine.info(id)?.state == .sleeping)
        let snap = engine.snapshot()
        #expect(snap.count(.sleeping) == 1)
        #expect(snap.workers.contains { $0.phase == .sleeping && $0.jobID == id })
        #expect(engine.cancel(id))
        engine.settle()   // no time passes: only the cancel wakes it
        #expect(woke.all == [false, true])
        #expect(engine.info(id)?.state == .cancelled)
        #expect(engine.snapshot().count(.cancelled) == 1)
    }

    @Test("a run due while another sleeps inside its job goes to an idle worker, not after the sleep")
    func sleepingWorkerDoesNotHoldTheQueue() throws {
        let (engine, clock) = try manualEngine(workers: 2)
        defer { engine.shutdown() }
        let sleeper = try engine.submit(JobSpec(name: "sleeper", schedule: .once()) { ctx in
            ctx.sleep(for: .seconds(3600))
        })
        clock.advance(by: .ms(1)); engine.settle()
        #expect(engine.info(sleeper)?.state == .sleeping)
        // The wake-up heuristic once counted the sleeping worker as one that
        // would drain the queue, so this run waited out the hour.
        let other = try engine.submit(JobSpec(name: "other", schedule: .once(after: .ms(5))) { _ in })
        clock.advance(by: .ms(10)); engine.settle()
        #expect(engine.info(other)?.runs == 1)
        #expect(engine.info(other)?.state == .retired)
        #expect(engine.info(sleeper)?.state == .sleeping)
    }

    @Test("a run waiting on its own primitive shows as waiting, frees the queue to others, and does not hold settle()")
    func waitingOnAPrimitive() throws {
        let (engine, clock) = try manualEngine(workers: 2)
        defer { engine.shutdown() }
        let gate = Gate()
        let waiter = try engine.submit(JobSpec(name: "waiter", schedule: .once()) { ctx in
            ctx.waiting(on: "the gate") { gate.wait() }
            ctx.status("through")
        })
        clock.advance(by: .ms(1)); engine.settle()   // returns although the run is blocked
        let w = try #require(engine.snapshot().workers.first { $0.jobID == waiter })
        #expect(w.phase == .waiting && w.waitingOn == "the gate")
        #expect(engine.snapshot().busyWorkers == 1)
        #expect(engine.info(waiter)?.state == .running)
        // Runs queued meanwhile do not wait for the blocked worker.
        let other = try engine.submit(JobSpec(name: "other", schedule: .once(after: .ms(5))) { _ in })
        clock.advance(by: .ms(10)); engine.settle()
        #expect(engine.info(other)?.state == .retired)
        gate.release()
        #expect(engine.waitForChange(within: .seconds(10)) { engine.info(waiter)?.state == .retired })
        #expect(engine.info(waiter)?.status == "through")
        #expect(engine.waitForChange(within: .seconds(10)) { engine.snapshot().workers.allSatisfy { $0.phase == .idle && $0.waitingOn == nil } })
    }

    @Test("a cancel that lands as a run enters its sleep still wakes it (no lost wake-up)")
    func cancelRacingTheStartOfASleep() throws {
        let (engine, clock) = try manualEngine(workers: 4)
        defer { engine.shutdown() }
        var ids: [JobID] = []
        for i in 0..<300 {
            // An hour's sleep on a clock that will not move: only the cancel can end it.
            ids.append(try engine.submit(JobSpec(name: "s\(i)", schedule: .once()) { ctx in ctx.sleep(for: .seconds(3600)) }))
        }
        clock.advance(by: .ms(1))
        // Cancel while the runs are starting and entering their sleeps.
        for id in ids { _ = engine.cancel(id) }
        #expect(engine.waitForChange(within: .seconds(20)) { ids.allSatisfy { engine.info($0)?.state == .cancelled } },
                "\(ids.filter { engine.info($0)?.state != .cancelled }.count) runs still asleep after their cancel")
    }

    @Test("settle() returns when every worker sleeps inside a job and runs wait in the queue")
    func settleWithASaturatedPool() throws {
        let (engine, clock) = try manualEngine(workers: 1)
        defer { engine.shutdown() }
        for i in 0..<3 {
            try engine.submit(JobSpec(name: "s\(i)", schedule: .once()) { ctx in ctx.sleep(for: .seconds(1)) })
        }
        clock.advance(by: .ms(1)); engine.settle()   // one sleeps, two queue: settled until time moves
        #expect(engine.snapshot().count(.sleeping) == 1)
        #expect(engine.snapshot().count(.queued) == 2)
        for _ in 0..<3 { clock.advance(by: .seconds(1)); engine.settle() }
        #expect(engine.snapshot().count(.retired) == 3)
    }

    @Test("pause stops dispatch; resume does not burst missed runs")
    func pauseResume() throws {
        let (engine, clock) = try manualEngine()
        defer { engine.shutdown() }
        let runs = Recorder<Int64>()
        let id = try engine.submit(JobSpec(name: "p", schedule: .every(.ms(100))) { ctx in runs.add(ctx.dueNs) })
        clock.advance(by: .ms(1)); engine.settle()
        clock.advance(by: .ms(100)); engine.settle()
        #expect(runs.count == 2)
        #expect(engine.pause(id))
        #expect(engine.info(id)?.state == .paused)
        #expect(!engine.pause(id), "pausing twice changes nothing")
        for _ in 0..<10 { clock.advance(by: .ms(100)); engine.settle() }
        #expect(runs.count == 2, "no run while paused")
        #expect(engine.resume(id))
        clock.advance(by: .ms(1)); engine.settle()
        clock.advance(by: .ms(100)); engine.settle()
        #expect(runs.count == 3, "one run per tick after resume, no burst")
        #expect(engine.info(id)?.misses == 0)
    }

    @Test("pausing a running job lets the run finish, then it is paused")
    func pauseWhileRunning() throws {
        let (engine, clock) = try manualEngine()
        defer { engine.shutdown() }
        let id = try engine.submit(JobSpec(name: "r", schedule: .every(.ms(100))) { ctx in ctx.sleep(for: .ms(50)) })
        clock.advance(by: .ms(1)); engine.settle()
        #expect(engine.pause(id))
        let during = try #require(engine.info(id))
        #expect(during.state == .sleeping && during.pausePending)
        clock.advance(by: .ms(60)); engine.settle()
        let after = try #require(engine.info(id))
        #expect(after.state == .paused && after.runs == 1 && !after.pausePending)
    }

    @Test("cancelling a queued run removes it from its queue")
    func cancelQueued() throws {
        let (engine, clock) = try manualEngine(workers: 0)
        defer { engine.shutdown() }
        let id = try engine.submit(JobSpec(name: "q", schedule: .once()) { _ in })
        clock.advance(by: .ms(1))
        #expect(engine.waitForChange(within: .seconds(10)) { engine.snapshot().queues[0].depth == 1 })
        #expect(engine.info(id)?.state == .queued)
        #expect(engine.cancel(id))
        let snap = engine.snapshot()
        #expect(snap.queues[0].depth == 0)
        #expect(snap.count(.cancelled) == 1 && snap.count(.queued) == 0)
        #expect(!engine.cancel(id), "cancel twice changes nothing")
        #expect(!engine.resume(id), "a cancelled job stays cancelled")
    }

    @Test("group control and pause-all")
    func groups() throws {
        let (engine, clock) = try manualEngine()
        defer { engine.shutdown() }
        for i in 0..<6 {
            try engine.submit(JobSpec(name: "job\(i)", group: i < 4 ? "web" : "db", schedule: .every(.seconds(1))) { _ in })
        }
        clock.advance(by: .ms(1)); engine.settle()
        #expect(engine.pauseGroup("web") == 4)
        #expect(engine.snapshot().count(.paused) == 4)
        #expect(engine.pauseAll() == 2)
        #expect(engine.resumeAll() == 2, "only the jobs pause-all paused")
        #expect(engine.snapshot().count(.paused) == 4)
        #expect(engine.resumeGroup("web") == 4)
        #expect(engine.cancelGroup("db") == 2)
        let snap = engine.snapshot()
        #expect(snap.count(.cancelled) == 2 && snap.count(.scheduled) == 4)
        #expect(engine.pauseGroup("nope") == 0)
    }

    @Test("a thrown error is recorded; the worker lives; back-off spaces retries; success clears failed")
    func errors() throws {
        let (engine, clock) = try manualEngine(workers: 1)
        defer { engine.shutdown() }
        struct Boom: Error, CustomStringConvertible { let n: Int; var description: String { "boom \(n)" } }
        let dues = Recorder<Int64>()
        let t0 = clock.now()
        let id = try engine.submit(JobSpec(name: "flaky", schedule: .every(.ms(100)),
                                           backoff: Backoff(initial: .ms(150), cap: .seconds(10))) { ctx in
            dues.add(ctx.dueNs)
            if ctx.run <= 2 { throw Boom(n: ctx.run) }
        })
        clock.advance(by: .ms(1)); engine.settle()
        var info = try #require(engine.info(id))
        #expect(info.state == .failed && info.errors == 1)
        #expect(info.lastError?.message == "boom 1" && info.lastError?.run == 1 && info.lastError?.timedOut == false)
        // failure 1: back-off 150 ms from 1 ms → first tick at or after 151 ms is 200.
        #expect(info.nextDueNs == t0 + 200 * msNs && info.misses == 1)
        #expect(info.backoffNs == 150 * msNs, "the back-off in force is shown")
        for _ in 0..<10 { clock.advance(by: .ms(100)); engine.settle() }
        info = try #require(engine.info(id))
        // failure 2 at 201 ms: back-off 300 ms → 501 → tick 600; then success.
        #expect(dues.all.prefix(3) == [t0, t0 + 200 * msNs, t0 + 600 * msNs])
        #expect(info.state == .scheduled && info.errors == 2 && info.consecutiveFailures == 0)
        #expect(engine.detail(id)?.recentErrors.map(\.message) == ["boom 1", "boom 2"])
        #expect(engine.events(after: 0).events.filter { $0.kind == .failed }.map(\.message) == ["boom 1", "boom 2"])
    }

    @Test("after too many failures in a row a job stops in failed; resume retries it")
    func giveUp() throws {
        let (engine, clock) = try manualEngine()
        defer { engine.shutdown() }
        struct Nope: Error {}
        let runs = Recorder<Int>()
        let id = try engine.submit(JobSpec(name: "bad", schedule: .every(.ms(10)), backoff: nil, maxConsecutiveFailures: 2) { ctx in
            runs.add(ctx.run); throw Nope()
        })
        for _ in 0..<10 { clock.advance(by: .ms(11)); engine.settle() }
        var info = try #require(engine.info(id))
        #expect(runs.count == 2 && info.state == .failed && info.gaveUp && info.nextDueNs == nil)
        #expect(engine.resume(id))
        clock.advance(by: .ms(1)); engine.settle()
        info = try #require(engine.info(id))
        #expect(runs.count == 3 && info.errors == 3)
    }

    @Test("a run past its timeout is stuck: its worker is written off and replaced")
    func timeout() throws {
        let (engine, clock) = try manualEngine(workers: 2)
        let gate = Gate()
        let id = try engine.submit(JobSpec(name: "hang", schedule: .every(.seconds(1)), timeout: .ms(100)) { _ in
            gate.wait()   // ignores cancel on purpose
        })
        clock.advance(by: .ms(1))
        #expect(engine.waitForChange(within: .seconds(10)) { engine.info(id)?.state == .running })
        clock.advance(by: .ms(101)); engine.settle()
        let info = try #require(engine.info(id))
        #expect(info.stuck && info.state == .failed && info.errors == 1)
        #expect(info.lastError?.timedOut == true)
        #expect(info.timeouts == 1)
        #expect(engine.waitForChange(within: .seconds(10)) { engine.snapshot().workersReplaced == 1 })
        #expect(engine.events(after: 0).events.contains { $0.kind == .stuck && $0.job == id })
        #expect(engine.waitForChange(within: .seconds(10)) { engine.snapshot().workers.filter { $0.phase != .stuck }.count == 2 }, "pool keeps its size")
        #expect(engine.snapshot().workers.contains { $0.phase == .stuck })
        gate.release()
        #expect(engine.waitForChange(within: .seconds(10)) { engine.info(id)?.stuck == false }, "the late return puts the job back on its schedule")
        #expect(engine.waitForChange(within: .seconds(10)) { engine.snapshot().workers.count == 2 }, "the written-off thread ends")
        let back = try #require(engine.info(id))
        #expect(back.state == .failed && back.nextDueNs != nil, "still failed (its last run timed out) but back on schedule")
        engine.shutdown()
    }

    @Test("pool resize: grow at once, shrink as workers finish")
    func resize() throws {
        let (engine, _) = try manualEngine(workers: 2)
        defer { engine.shutdown() }
        try engine.setWorkerCount(5)
        #expect(engine.workerCount == 5)
        #expect(engine.waitForChange(within: .seconds(10)) { engine.snapshot().workers.count == 5 })
        try engine.setWorkerCount(1)
        #expect(engine.waitForChange(within: .seconds(10)) { engine.snapshot().workers.count == 1 })
        #expect(engine.events(after: 0).events.filter { $0.kind == .poolResized }.count == 2)
    }

    @Test("pausing a queue holds its runs; resuming releases them")
    func queuePause() throws {
        let (engine, clock) = try manualEngine(queues: [RunQueueConfig(name: "io")])
        defer { engine.shutdown() }
        let runs = Recorder<Int>()
        try engine.setQueuePaused("io", true)
        try engine.submit(JobSpec(name: "x", queue: "io", schedule: .once()) { _ in runs.add(1) })
        clock.advance(by: .ms(1))
        #expect(engine.waitForChange(within: .seconds(10)) { engine.snapshot().queues.first { $0.name == "io" }?.depth == 1 })
        #expect(engine.snapshot().queues.first { $0.name == "io" }?.paused == true)
        try engine.setQueuePaused("io", false)
        engine.settle()
        #expect(runs.count == 1)
        #expect(throws: EngineError.unknownQueue("zz")) { try engine.setQueuePaused("zz", true) }
    }
}
