import Testing
@testable import Tickwork

@Suite("Anchored and pinned job windows")
struct JobWindowTests {
    /// 40 jobs named job-00…job-39; every fourth is paused.
    func engineWithJobs() throws -> (Engine, ManualClock) {
        let (engine, clock) = manualEngine()
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
