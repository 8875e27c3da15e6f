import Testing
@testable import Tickwork

@Suite("Queues, observation, shutdown")
struct QueueAndObservationTests {
    @Test("a full queue refuses runs with an exact count; the timer never blocks")
    func overflow() throws {
        let (engine, clock) = try manualEngine(workers: 0, queues: [RunQueueConfig(name: "small", capacity: 2)])
        defer { engine.shutdown() }
        var ids: [JobID] = []
        for i in 0..<5 { ids.append(try engine.submit(JobSpec(name: "o\(i)", queue: "small", schedule: .once()) { _ in })) }
        let rec = try engine.submit(JobSpec(name: "rec", queue: "small", schedule: .every(.ms(100))) { _ in })
        clock.advance(by: .ms(1))
        // The queue counts an overflow before the refused job's record says
        // so (two locks, one after the other), and each refusal's event comes
        // last: wait for all four events, then every record is in place.
        #expect(engine.waitForChange(within: .seconds(10)) {
            engine.snapshot().queues.first { $0.name == "small" }?.overflow == 4
                && engine.events(after: 0).events.filter { $0.kind == .overflow }.count == 4
        })
        let q = try #require(engine.snapshot().queues.first { $0.name == "small" })
        #expect(q.depth == 2 && q.capacity == 2 && q.maxDepth == 2)
        let infos = ids.compactMap { engine.info($0) }
        #expect(infos.filter { $0.state == .queued }.count == 2)
        let refused = infos.filter { $0.state == .failed }
        #expect(refused.count == 3)
        #expect(refused.allSatisfy { $0.lastError?.message == "queue 'small' was full" })
        let r = try #require(engine.info(rec))
        #expect(r.state == .scheduled && r.overflows == 1 && r.misses == 1, "a recurring job waits for its next tick")
        let overflows = engine.events(after: 0).events.filter { $0.kind == .overflow }
        #expect(overflows.count == 4)
        // Each is a transition out of the queue, caused by the full queue.
        #expect(overflows.allSatisfy { $0.from == .queued && $0.cause == .queueFull && $0.worker == nil })
        #expect(overflows.filter { $0.to == .failed }.count == 3 && overflows.filter { $0.to == .scheduled }.map(\.job) == [rec])
        #expect(engine.snapshot().eventCounts[.overflow] == 4)
    }

    @Test("a flood in one queue does not starve another")
    func fairness() throws {
        let (engine, clock) = try manualEngine(workers: 1, queues: [RunQueueConfig(name: "flood"), RunQueueConfig(name: "quiet")])
        defer { engine.shutdown() }
        let order = Recorder<String>()
        let specs = (0..<500).map { i in JobSpec(name: "f\(i)", queue: "flood", schedule: .once()) { _ in order.add("f") } }
        try engine.submit(contentsOf: specs)
        try engine.submit(JobSpec(name: "q", queue: "quiet", schedule: .once()) { _ in order.add("q") })
        clock.advance(by: .ms(1)); engine.settle()
        let all = order.all
        #expect(all.count == 501)
        let position = try #require(all.firstIndex(of: "q"))
        #expect(position <= 2, "the quiet queue's run started \(position)th behind 500 flood runs")
    }

    @Test("snapshot counts add up; job windows filter, sort and slice")
    func windows() throws {
        let (engine, clock) = try manualEngine()
        defer { engine.shutdown() }
        for i in 0..<30 {
            try engine.submit(JobSpec(name: String(format: "job-%02d", i), group: i % 3 == 0 ? "db" : "web",
                                      schedule: .every(.seconds(Int64(1 + i % 5)))) { _ in })
        }
        clock.advance(by: .ms(1)); engine.settle()
        for i in stride(from: 1, through: 30, by: 10) { engine.pause(JobID(UInt64(i))) }
        let snap = engine.snapshot()
        #expect(snap.jobsByState.values.reduce(0, +) == 30)
        #expect(snap.count(.paused) == 3 && snap.count(.scheduled) == 27 && snap.totalJobs == 30)
        #expect(snap.runs == 30)
        #expect(snap.lateness.count == 30)

        let paused = engine.jobs(JobQuery(states: [.paused]))
        #expect(paused.matching == 3 && paused.jobs.map(\.id.rawValue) == [1, 11, 21])
        let db = engine.jobs(JobQuery(group: "db", sort: .name, descending: true, offset: 1, limit: 3))
        #expect(db.matching == 10 && db.jobs.map(\.name) == ["job-24", "job-21", "job-18"])
        let text = engine.jobs(JobQuery(text: "JOB-1", limit: 100))
        #expect(text.matching == 10)
        let page = engine.jobs(JobQuery(offset: 28, limit: 10))
        #expect(page.matching == 30 && page.jobs.map(\.id.rawValue) == [29, 30])
        let bySchedule = engine.jobs(JobQuery(sort: .schedule, descending: true, limit: 30)).jobs.map(\.schedule)
        #expect(bySchedule.first == "every 5s" && bySchedule.last == "every 1s")
        #expect(bySchedule == bySchedule.sorted { $0.localizedStandardCompare($1) == .orderedDescending })
        let soonest = engine.jobs(JobQuery(states: [.scheduled], sort: .nextDue, limit: 1)).jobs[0]
        #expect(soonest.schedule == "every 1s")
        let info = try #require(engine.info(JobID(2)))
        #expect(info.group == "web" && info.queue == "default" && info.runs == 1 && info.meanDurationNs != nil)
    }

    @Test("events: read since N, and learn how many were missed")
    func events() throws {
        let clock = ManualClock()
        let engine = try Engine(EngineConfiguration(workers: 1, eventCapacity: 8, clock: clock))
        defer { engine.shutdown() }
        for i in 0..<20 { try engine.submit(JobSpec(name: "e\(i)", schedule: .once(after: .seconds(1))) { _ in }) }
        let batch = engine.events(after: 0)
        #expect(batch.events.count == 8 && batch.missed == 12 && batch.lastSeq == 20)
        #expect(batch.events.map(\.seq) == Array(13...20))
        let next = engine.events(after: 18)
        #expect(next.missed == 0 && next.events.map(\.seq) == [19, 20])
        #expect(engine.events(after: 20).events.isEmpty)
    }

    @Test("shutdown cancels queued runs, tells running ones, and reports what it abandoned")
    func shutdown() throws {
        let (engine, clock) = try manualEngine(workers: 2)
        let gate = Gate()
        let coop = Recorder<Bool>()
        try engine.submit(JobSpec(name: "stubborn", schedule: .once()) { _ in gate.wait() })
        try engine.submit(JobSpec(name: "polite", schedule: .once()) { ctx in coop.add(ctx.sleep(for: .seconds(3600))) })
        let queued = try (0..<3).map { i in try engine.submit(JobSpec(name: "w\(i)", schedule: .once()) { _ in }) }
        _ = queued
        clock.advance(by: .ms(1))
        #expect(engine.waitForChange(within: .seconds(10)) { engine.snapshot().busyWorkers == 2 && engine.snapshot().queues[0].depth == 3 })
        let report = engine.shutdown(deadline: .ms(300))
        #expect(report.cancelledQueued.count == 3)
        #expect(report.abandonedRunning.map(\.rawValue) == [1], "only the run that ignores cancel")
        #expect(coop.all == [false], "the sleeping run was woken")
        #expect(report.elapsedNs < 2 * sNs)
        #expect(!report.isClean)
        #expect(throws: EngineError.shutDown) { try engine.submit(JobSpec(name: "late", schedule: .once()) { _ in }) }
        gate.release()
    }
}
