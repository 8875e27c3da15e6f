#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Testing
import Tickwork
import TickworkJobFile
@testable import TickworkPostgres

/// Nodes sharing one schedule on a real PostgreSQL, each with its own
/// engine running real commands: every tick runs exactly once; a node that
/// stops heartbeating loses its claims to the others; a node whose lease
/// was taken starts nothing it claimed before and joins again.
@Suite(.enabled(if: testServerURL != nil, Comment(rawValue: noServerReason)), .serialized)
struct ClusterNodeTests {
    /// `count` jobs every `period`, each appending "job due" to `out`.
    func jobs(_ count: Int, every period: String, out: String) throws -> JobFile {
        var yaml = "jobs:\n"
        for i in 0..<count {
            yaml += "  - name: j\(i)\n    shell: 'echo \"$TICKWORK_JOB $TICKWORK_DUE\" >> \(out)'\n    every: \(period)\n"
        }
        return try JobFileParser.parse(yaml, path: "cluster.yaml").get()
    }

    func node(_ url: PostgresURL, _ name: String, settings: ClusterNode.Settings = .init()) throws -> ClusterNode {
        try ClusterNode(url: url, engine: try Engine(EngineConfiguration(workers: 4)), name: name, settings: settings)
    }

    /// Waits (real time: the cluster runs on the database's clock) until `check`.
    func waitUntil(seconds: Double, _ check: () throws -> Bool) throws -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if try check() { return true }
            Thread.sleep(forTimeInterval: 0.1)
        }
        return false
    }

    @Test func threeNodesRunEveryTickExactlyOnce() throws {
        let scratch = try ScratchDatabase()
        let db = try scratch.connect()
        try ClusterSchema.migrate(db)
        let out = NSTemporaryDirectory() + "tickwork-cluster-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).txt"
        defer { unlink(out) }
        _ = try ClusterJobs.apply(try jobs(40, every: "1s", out: out), to: db)
        let nodes = try (1...3).map { try node(scratch.url, "node-\($0)") }
        for n in nodes { n.start() }
        Thread.sleep(forTimeInterval: 6)
        for n in nodes { n.stopClaiming() }
        for n in nodes { n.engine.shutdown(deadline: .seconds(5)) }
        for n in nodes { n.leave() }
        let lines = ((try? String(contentsOfFile: out, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
        let runs = try db.execute("SELECT job, due_us, node, state, failed, outcome FROM tickwork_runs ORDER BY job, due_us")
        // Every line once, and each is a run on record; every run that ended
        // well wrote its line (the shutdown may stop the last ones, or count
        // one that had just finished as cancelled); no tick missing between
        // a job's first and last.
        #expect(Set(lines).count == lines.count, "a tick ran twice: \(lines.count - Set(lines).count) repeats")
        let onRecord = Set(runs.compactMap { r in r[0].flatMap { j in Int64(r[1] ?? "").map { "\(j) \($0 / 1000)" } } })
        let written = Set(lines.compactMap { line -> String? in
            let parts = line.split(separator: " ")
            guard parts.count == 2, let due = parseDueMs(String(parts[1])) else { return nil }
            return "\(parts[0]) \(due)"
        })
        #expect(written.count == lines.count && written.isSubset(of: onRecord), "\(written.subtracting(onRecord).prefix(5))")
        let ended = runs.filter { $0[3] == "ended" && $0[4] == "f" }
        let endedKeys = Set(ended.compactMap { r in r[0].flatMap { j in Int64(r[1] ?? "").map { "\(j) \($0 / 1000)" } } })
        #expect(endedKeys.isSubset(of: written), "\(endedKeys.subtracting(written).prefix(5))")
        #expect(lines.count >= 40 * 4, "\(lines.count)")
        let byJob = Dictionary(grouping: runs, by: { $0[0] ?? "" })
        for (job, rows) in byJob {
            let dues = rows.compactMap { Int64($0[1] ?? "") }.sorted()
            let gaps = zip(dues, dues.dropFirst()).map { $1 - $0 }
            #expect(gaps.allSatisfy { $0 == 1_000_000 }, "\(job): \(gaps)")
        }
        let byNode = Dictionary(grouping: runs, by: { $0[2] ?? "" }).mapValues(\.count)
        #expect(byNode.count >= 2, "the work is shared: \(byNode)")
    }

    @Test func aPausedJobIsNotClaimedAndItsResumeRunsNoBurst() throws {
        let scratch = try ScratchDatabase()
        let db = try scratch.connect()
        try ClusterSchema.migrate(db)
        let out = NSTemporaryDirectory() + "tickwork-cluster-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).txt"
        defer { unlink(out) }
        _ = try ClusterJobs.apply(try jobs(2, every: "1s", out: out), to: db)
        let n = try node(scratch.url, "solo")
        n.start()
        func count(_ job: String) throws -> Int {
            Int(try db.execute("SELECT count(*) FROM tickwork_runs WHERE job = $1", [job]).first?[0] ?? "") ?? -1
        }
        #expect(try waitUntil(seconds: 10) { try count("j0") >= 2 })
        let paused = try ClusterControl.perform(.pause, names: ["j0"], group: nil, on: db)
        #expect(paused.changed == ["j0"])
        let atPause = try count("j0")
        let other = try count("j1")
        #expect(try waitUntil(seconds: 10) { try count("j1") >= other + 3 }, "the other job runs on")
        #expect(try count("j0") <= atPause + 1, "no claims while paused (one may have been claimed already)")
        let beforeResume = try count("j0")
        _ = try ClusterControl.perform(.resume, names: ["j0"], group: nil, on: db)
        #expect(try waitUntil(seconds: 10) { try count("j0") >= beforeResume + 2 })
        // Ticks passed while paused are not run (skip): the grid goes on, one second apart.
        let dues = try db.execute("SELECT due_us FROM tickwork_runs WHERE job = 'j0' ORDER BY due_us").compactMap { Int64($0[0] ?? "") }
        let afterResume = dues.suffix(2)
        #expect(afterResume.last! - afterResume.first! == 1_000_000, "\(dues)")
        n.stopClaiming()
        n.engine.shutdown(deadline: .seconds(5))
        n.leave()
    }

    @Test func aRunCutOffIsRunAgainOnlyWhenItsJobSaysSo() throws {
        let scratch = try ScratchDatabase()
        let db = try scratch.connect()
        try ClusterSchema.migrate(db)
        let out = NSTemporaryDirectory() + "tickwork-cluster-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).txt"
        defer { unlink(out) }
        let file = try JobFileParser.parse("""
            jobs:
              - name: again
                shell: 'echo "$TICKWORK_JOB" >> \(out); sleep 5'
                after: 0s
                retry_interrupted: true
              - name: once
                shell: 'echo "$TICKWORK_JOB" >> \(out); sleep 5'
                after: 0s
            """, path: "cluster.yaml").get()
        _ = try ClusterJobs.apply(file, to: db)
        var fast = ClusterNode.Settings()
        fast.leaseSeconds = 2
        fast.heartbeatSeconds = 0.5
        let b = try node(scratch.url, "b", settings: fast)
        b.start()
        #expect(try waitUntil(seconds: 10) {
            try db.execute("SELECT count(*) FROM tickwork_runs WHERE node = 'b' AND state = 'running'").first?[0] == "2"
        }, "b started both")
        b.haltForTesting()   // as a SIGKILL: silent from here, its commands still going
        let a = try node(scratch.url, "a", settings: fast)
        a.start()
        #expect(try waitUntil(seconds: 15) {
            try db.execute("SELECT node || ' ' || state FROM tickwork_runs WHERE job = 'again'").first?[0] == "a ended"
        }, "a ran the cut-off run of the job that asks for it again")
        let once = try db.execute("SELECT node, state, outcome FROM tickwork_runs WHERE job = 'once'").first
        #expect(once?[0] == "b" && once?[1] == "interrupted" && once?[2] == "interrupted: node b went silent mid-run", "\(String(describing: once))")
        a.stopClaiming()
        a.engine.shutdown(deadline: .seconds(5))
        a.leave()
        b.engine.shutdown(deadline: .seconds(5))
        let lines = ((try? String(contentsOfFile: out, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init).sorted()
        #expect(lines == ["again", "again", "once"])
        #expect(a.recentNotices.contains("cluster: 1 runs interrupted, 1 to run again (retry_interrupted)"), "\(a.recentNotices)")
    }

    @Test func aJobNeverOverlapsItselfAcrossNodes() throws {
        let scratch = try ScratchDatabase()
        let db = try scratch.connect()
        try ClusterSchema.migrate(db)
        // Each run outlasts two periods; two nodes with free workers.
        _ = try ClusterJobs.apply(try JobFileParser.parse("""
            jobs:
              - name: long
                command: ["sleep", "2.5"]
                every: 1s
            """, path: "c.yaml").get(), to: db)
        let nodes = try ["x", "y"].map { try node(scratch.url, $0) }
        for n in nodes { n.start() }
        #expect(try waitUntil(seconds: 20) {
            try db.execute("SELECT count(*) FROM tickwork_runs WHERE state = 'ended'").first?[0].flatMap { Int($0) } ?? 0 >= 2
        })
        for n in nodes { n.stopClaiming() }
        for n in nodes { n.engine.shutdown(deadline: .seconds(5)) }
        for n in nodes { n.leave() }
        let spans = try db.execute("""
            SELECT extract(epoch from started_at), extract(epoch from ended_at) FROM tickwork_runs
            WHERE started_at IS NOT NULL AND ended_at IS NOT NULL ORDER BY started_at
            """).compactMap { r in Double(r[0] ?? "").flatMap { s in Double(r[1] ?? "").map { (s, $0) } } }
        #expect(spans.count >= 2)
        for (a, b) in zip(spans, spans.dropFirst()) { #expect(b.0 >= a.1 - 0.05, "a run started at \(b.0) while one ran until \(a.1)") }
    }

    @Test func anAppliedJobWakesAnIdleNodeAtOnce() throws {
        let scratch = try ScratchDatabase()
        let db = try scratch.connect()
        try ClusterSchema.migrate(db)
        let hourly = """
            jobs:
              - name: hourly
                command: ["true"]
                every: 1h
            """
        _ = try ClusterJobs.apply(try JobFileParser.parse(hourly, path: "c.yaml").get(), to: db)
        // It looks only every 10 s and heartbeats every 4 s: only a
        // notification can bring a new job's run within 2 s.
        var slow = ClusterNode.Settings()
        slow.pollSeconds = 10
        slow.heartbeatSeconds = 4
        slow.leaseSeconds = 12
        let n = try node(scratch.url, "idle", settings: slow)
        n.start()
        #expect(try waitUntil(seconds: 10) { try db.execute("SELECT count(*) FROM tickwork_runs WHERE job = 'hourly'").first?[0] == "1" })
        Thread.sleep(forTimeInterval: 0.5)   // the claimer is asleep for 10 s now
        let applied = Date()
        _ = try ClusterJobs.apply(try JobFileParser.parse(hourly + """

              - name: new
                command: ["true"]
                after: 0s
            """, path: "c.yaml").get(), to: db)
        #expect(try waitUntil(seconds: 5) { try db.execute("SELECT count(*) FROM tickwork_runs WHERE job = 'new'").first?[0] == "1" })
        #expect(Date().timeIntervalSince(applied) < 2, "claimed \(Date().timeIntervalSince(applied)) s after the apply")
        n.stopClaiming()
        n.engine.shutdown(deadline: .seconds(5))
        n.leave()
    }

    @Test func aSilentNodesClaimsAreRescuedAndItStartsNothingAfter() throws {
        let scratch = try ScratchDatabase()
        let db = try scratch.connect()
        try ClusterSchema.migrate(db)
        let out = NSTemporaryDirectory() + "tickwork-cluster-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).txt"
        defer { unlink(out) }
        _ = try ClusterJobs.apply(try jobs(5, every: "1s", out: out), to: db)
        var fast = ClusterNode.Settings()
        fast.leaseSeconds = 2
        fast.heartbeatSeconds = 0.5
        let a = try node(scratch.url, "a", settings: fast)
        let b = try node(scratch.url, "b", settings: fast)
        a.start()
        // b registered but never heartbeats nor claims: silent from the start.
        #expect(try waitUntil(seconds: 15) {
            try db.execute("SELECT count(*) FROM tickwork_nodes WHERE name = 'b'").first?[0] == "0"
        }, "a declares b dead after the lease")
        #expect(a.recentNotices.contains { $0.contains("node b silent past its lease") }, "\(a.recentNotices)")
        a.stopClaiming()
        a.engine.shutdown(deadline: .seconds(5))
        a.leave()
        b.engine.shutdown(deadline: .seconds(1))
        let lines = ((try? String(contentsOfFile: out, encoding: .utf8)) ?? "").split(separator: "\n")
        #expect(Set(lines).count == lines.count && !lines.isEmpty)
    }
}

/// `2026-12-01T09:00:00.123Z` as unix milliseconds.
func parseDueMs(_ text: String) -> Int64? {
    let f = ISO8601DateFormatter()
    f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    return f.date(from: text).map { Int64(($0.timeIntervalSince1970 * 1000).rounded()) }
}
