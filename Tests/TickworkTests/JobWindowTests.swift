import Testing
@testable import Tickwork

@Suite("Anchored and pinned job windows")
struct JobWindowTests {
    /// 40 jobs named job-00…job-39; every fourth is paused.
    func engineWithJobs() throws -> (Engine, ManualClock) {
        let (engine, clock) = try manualEngine()
        for i in 0..<40 {
            try engine.submit(JobSpec(name: String(format: "job-%02d", i), schedule: .every(.seconds(Int64(1 + (39 - i)))))  { _ in })
        }
        for i in stride(from: 1, through: 40, by: 4) { engine.pause(JobID(UInt64(i))) }
        return (engine, clock)
    }

    @Test("an anchor places the window so its job sits at the asked row, in any order", arguments: [
        JobQuery.SortKey.id, .name, .nextDue, .runs,
    ])
    func anchorKeepsItsRow(sort: JobQuery.SortKey) throws {
        let (engine, _) = try engineWithJobs()
        defer { engine.shutdown() }
        for descending in [false, true] {
            let all = engine.jobs(JobQuery(sort: sort, descending: descending, limit: 40)).jobs.map(\.id)
            for (rank, id) in all.enumerated() {
                let page = engine.jobs(JobQuery(sort: sort, descending: descending, offset: 0, limit: 10, anchor: id, anchorRow: 4))
                let start = min(max(rank - 4, 0), 30)
                #expect(page.anchorIndex == rank && page.offset == start, "\(sort) \(descending) rank \(rank)")
                #expect(page.jobs.map(\.id) == Array(all[start..<start + 10]))
                #expect(page.matching == 40)
            }
        }
    }

    @Test("an anchor that no longer matches says so and why; the window falls back to the offset")
    func anchorThatLeft() throws {
        let (engine, _) = try engineWithJobs()
        defer { engine.shutdown() }
        let paused = JobQuery(states: [.paused], sort: .nextDue, offset: 2, limit: 3, anchor: JobID(2), anchorRow: 1)
        let page = engine.jobs(paused)
        #expect(page.anchorIndex == nil && page.anchorInfo?.state == .scheduled && page.anchorInfo?.name == "job-01")
        #expect(page.offset == 2 && page.jobs.count == 3 && page.matching == 10)
        // Filtered and anchored on a job that matches: the filtered order, around it.
        let onIt = engine.jobs(JobQuery(states: [.paused], offset: 0, limit: 3, anchor: JobID(21), anchorRow: 1))
        #expect(onIt.anchorIndex == 5 && onIt.jobs.map(\.id.rawValue) == [17, 21, 25])
    }

    @Test("a pinned window reads the listed jobs in the listed order, dropping those that no longer match")
    func pinned() throws {
        let (engine, _) = try engineWithJobs()
        defer { engine.shutdown() }
        let ids = [7, 3, 5, 9].map { JobID(UInt64($0)) }
        let page = engine.jobs(JobQuery(states: [.scheduled], sort: .nextDue, offset: 12, limit: 10, anchor: JobID(3), pinned: ids))
        // 5 and 9 are paused (every fourth from 1): not scheduled.
        #expect(page.jobs.map(\.id.rawValue) == [7, 3] && page.offset == 12 && page.anchorIndex == 13)
    }
}

@Suite("Job windows by next due and by text, at the engine")
struct WheelWindowTests {
    /// The same query answered by the full pass (a group filter that
    /// matches every job forces it) and by the path under test.
    func fullPass(_ engine: Engine, _ q: JobQuery) -> JobPage {
        var q = q
        q.group = "g"
        return engine.jobs(q)
    }

    @Test("the first pages by next due come from the wheel and agree with the full pass, paused and retrying jobs included")
    func nextDueFromTheWheel() throws {
        let (engine, clock) = try manualEngine(workers: 2)
        defer { engine.shutdown() }
        struct Boom: Error {}
        for i in 0..<300 {
            let period = Duration.milliseconds(Int64(5 + (i * 37) % 200))
            if i % 50 == 7 {
                try engine.submit(JobSpec(name: "fail-\(i)", group: "g", schedule: .every(period), backoff: Backoff(initial: .ms(30), cap: .ms(300))) { _ in throw Boom() })
            } else {
                try engine.submit(JobSpec(name: "job-\(i)", group: "g", schedule: .every(period)) { _ in })
            }
        }
        clock.advance(by: .ms(1)); engine.settle()
        clock.advance(by: .ms(300)); engine.settle()
        for i in stride(from: 3, through: 300, by: 25) { engine.pause(JobID(UInt64(i))) }
        for q in [JobQuery(sort: .nextDue, limit: 40), JobQuery(sort: .nextDue, offset: 17, limit: 30),
                  JobQuery(states: JobState.unfinished, sort: .nextDue, limit: 40),
                  JobQuery(states: [.failed], sort: .nextDue, limit: 3),
                  JobQuery(sort: .nextDue, limit: 20, anchor: JobID(101), anchorRow: 5)] {
            // A sparse filter (6 retrying jobs among 300) is left to the full pass.
            let sparse = q.states == [.failed]
            #expect((JobView(engine: engine, query: q).nextDueFromWheel() != nil) == !sparse, "answered by the wheel: \(q)")
            let got = engine.jobs(q), want = fullPass(engine, q)
            #expect(got.jobs.map(\.id) == want.jobs.map(\.id), "\(q)")
            #expect(got.matching == want.matching && got.offset == want.offset && got.anchorIndex == want.anchorIndex)
        }
        // Paused jobs have no next run: none among the first pages.
        let first = engine.jobs(JobQuery(sort: .nextDue, limit: 100)).jobs
        #expect(first.allSatisfy { $0.state != .paused })
        let paused = engine.jobs(JobQuery(states: [.paused], limit: 100)).jobs
        #expect(!paused.isEmpty && paused.allSatisfy { $0.nextDueNs == nil }, "a paused job has no next run")
        let retrying = engine.jobs(JobQuery(states: [.failed], sort: .nextDue, limit: 3)).jobs
        #expect(retrying.count == 3 && retrying.allSatisfy { $0.nextDueNs != nil }, "retrying jobs are in the wheel's order")
        let dues = first.compactMap(\.nextDueNs)
        #expect(dues == dues.sorted())
    }

    @Test("the last page by next due and by name cost a small heap and agree with the order")
    func lastPages() throws {
        let (engine, clock) = try manualEngine(workers: 2)
        defer { engine.shutdown() }
        for i in 0..<500 { try engine.submit(JobSpec(name: "job-\(i)", group: "g", schedule: .every(.ms(10 + i))) { _ in }) }
        clock.advance(by: .ms(1)); engine.settle()
        for sort in [JobQuery.SortKey.nextDue, .name, .runs] {
            let all = engine.jobs(JobQuery(sort: sort, limit: 500)).jobs.map(\.id)
            let end = engine.jobs(JobQuery(sort: sort, offset: 460, limit: 40))
            #expect(end.jobs.map(\.id) == Array(all[460...]), "\(sort)")
            #expect(end.matching == 500)
        }
    }

    @Test("names sort naturally and filter without case, in any script")
    func textOrder() {
        let names = ["job-10", "Job-9", "job-9", "job-09", "alpha", "Beta", "job-100", "zeta", "Émile"]
        let sorted = names.sorted { TextOrder.compare($0, $1) < 0 }
        #expect(sorted == ["alpha", "Beta", "Job-9", "job-09", "job-9", "job-10", "job-100", "zeta", "Émile"])
        #expect(TextOrder.contains("Bench-424242", lowercasedNeedle: TextOrder.needle("BENCH-4242")))
        #expect(!TextOrder.contains("bench-42", lowercasedNeedle: TextOrder.needle("bench-424")))
        #expect(TextOrder.contains("Émile", lowercasedNeedle: TextOrder.needle("mile")))
        #expect(TextOrder.contains("x", lowercasedNeedle: []))
    }

    @Test("submission order with a state filter walks to the window and agrees with the full pass")
    func filteredSubmissionOrder() throws {
        let (engine, clock) = try manualEngine(workers: 2)
        defer { engine.shutdown() }
        for i in 0..<200 {
            try engine.submit(JobSpec(name: "job-\(i)", group: "g", schedule: i % 7 == 3 ? .once() : .every(.seconds(5))) { _ in })
        }
        clock.advance(by: .ms(1)); engine.settle()   // every seventh retired
        for i in stride(from: 2, through: 200, by: 9) { engine.pause(JobID(UInt64(i))) }
        for descending in [false, true] {
            for q in [JobQuery(states: JobState.unfinished, descending: descending, limit: 20),
                      JobQuery(states: JobState.unfinished, descending: descending, offset: 150, limit: 20),
                      JobQuery(states: [.paused], descending: descending, offset: 3, limit: 5),
                      JobQuery(states: JobState.unfinished, descending: descending, limit: 10, anchor: JobID(120), anchorRow: 4),
                      JobQuery(states: JobState.unfinished, descending: descending, limit: 10, anchor: JobID(199), anchorRow: 4)] {
                let got = try #require(JobView(engine: engine, query: q).filteredSubmissionOrderPage())
                let want = fullPass(engine, q)
                #expect(got.jobs.map(\.id) == want.jobs.map(\.id), "\(q)")
                #expect(got.matching == want.matching && got.offset == want.offset && got.anchorIndex == want.anchorIndex, "\(q)")
            }
        }
    }
}
