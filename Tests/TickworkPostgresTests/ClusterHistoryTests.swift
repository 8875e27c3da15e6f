import Testing
import TickworkStore
@testable import TickworkPostgres

/// The cluster keeps each job's newest runs, as one machine's state file
/// does: older ended and interrupted runs are deleted, open ones never.
@Suite(.enabled(if: testServerURL != nil, Comment(rawValue: noServerReason)), .serialized)
struct ClusterHistoryTests {
    @Test func aJobKeepsItsNewestRunsAndEveryOpenOne() throws {
        let scratch = try ScratchDatabase()
        let db = try scratch.connect()
        try ClusterSchema.migrate(db)
        // 300 ended runs of a, one claimed run older than all of them, and 5 of b.
        try db.execute("""
            INSERT INTO tickwork_runs (job, due_us, node, token, state)
            SELECT 'a', g, 'n1', 1, 'ended' FROM generate_series(1000, 300999, 1000) g
            UNION ALL SELECT 'a', 1, 'n1', 1, 'claimed'
            UNION ALL SELECT 'b', g, 'n1', 1, 'interrupted' FROM generate_series(1, 5) g
            """)
        try ClusterRunJournal.trim(jobs: ["a", "b"], db)
        let a = try db.execute("SELECT count(*), min(due_us) FROM tickwork_runs WHERE job = 'a' AND state = 'ended'").first
        #expect(a?[0] == String(StateFile.keepRuns) && a?[1] == String((301 - StateFile.keepRuns) * 1000), "\(String(describing: a))")
        #expect(try db.execute("SELECT count(*) FROM tickwork_runs WHERE job = 'a' AND state = 'claimed'").first?[0] == "1")
        #expect(try db.execute("SELECT count(*) FROM tickwork_runs WHERE job = 'b'").first?[0] == "5")
    }

    /// About one end in 16 trims its job, spread over jobs and ticks.
    @Test func aboutOneEndInSixteenTrims() {
        var hits = 0
        var jobsHit = Set<String>()
        for j in 0..<100 {
            for t in 0..<160 where ClusterRunJournal.trimsAfter(RunKey(job: "job-\(j)", dueUs: Int64(t) * 5_000_000)) {
                hits += 1; jobsHit.insert("job-\(j)")
            }
        }
        #expect((800...1200).contains(hits), "\(hits) of 16,000")
        #expect(jobsHit.count == 100, "every job is trimmed now and then")
    }
}
