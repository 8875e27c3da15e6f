import Foundation
import Testing

/// Nodes of one cluster as real `tickwork serve --store` processes on a
/// real PostgreSQL (`TICKWORK_TEST_POSTGRES_URL`), running real commands
/// that append `$TICKWORK_JOB $TICKWORK_DUE` to one file: every tick
/// exactly once; a node killed with SIGKILL, or frozen with SIGSTOP past
/// its lease, costs no tick twice.
@Suite(.enabled(if: ProcessInfo.processInfo.environment["TICKWORK_TEST_POSTGRES_URL"] != nil,
                "TICKWORK_TEST_POSTGRES_URL is not set (scripts/test.sh starts a PostgreSQL)"), .serialized)
struct ClusterEndToEndTests {
    let cli = ClusterCommandLineTests()

    /// A job file of `count` jobs every second, each appending to `out`.
    /// `catch_up`: a tick that falls due while the nodes are busy (a loaded
    /// machine) still runs, late; every one must appear.
    func jobFile(_ count: Int, out: String, extra: String = "") throws -> String {
        var yaml = "workers: 8\njobs:\n"
        for i in 0..<count {
            yaml += "  - name: j\(i)\n    shell: 'echo \"$TICKWORK_JOB $TICKWORK_DUE\" >> \(out)\(extra)'\n    every: 1s\n    missed: catch_up\n"
        }
        return try cli.jobFile(yaml)
    }

    func lines(_ out: String) -> [String] {
        ((try? String(contentsOfFile: out, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    func nodes(_ names: [String], url: String, file: String?) throws -> [ServeProcess] {
        try names.map { name in
            let p = try ServeProcess(["--store", url, "--node", name] + (file.map { ["--file", $0] } ?? []))
            try p.waitUntilListening()
            return p
        }
    }

    /// 200 jobs as the issue asks; under a sanitizer (every node's binary
    /// instrumented, and the other suites beside it) 50, so the machine
    /// does not starve the screen tests running meanwhile.
    static let jobCount = ProcessInfo.processInfo.environment["TICKWORK_TEST_SANITIZER"] == nil ? 200 : 50

    @Test func threeNodesRunEachTickOfTwoHundredJobsExactlyOnce() throws {
        let jobCount = Self.jobCount
        try cli.withDatabase { url in
            let out = NSTemporaryDirectory() + "tickwork-e2e-cluster-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).txt"
            defer { unlink(out) }
            let file = try jobFile(jobCount, out: out)
            defer { unlink(file) }
            let started = Date()
            let servers = try nodes(["n1", "n2", "n3"], url: url, file: file)
            #expect(servers[0].output.contains("\(jobCount) added"))
            #expect(servers[1].output.contains("0 added, 0 changed, 0 removed, \(jobCount) unchanged"))
            Thread.sleep(forTimeInterval: max(0, 30 - Date().timeIntervalSince(started)))
            // One view of the cluster, from the database alone: every node
            // and its heartbeat, and per job the node its last run was on.
            let (st, json) = try spawnAndWait([TmuxSession.binary.path, "status", "--store", url, "--json"])
            let view = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
            let members = view?["nodes"] as? [[String: Any]] ?? []
            #expect(st == 0 && members.map { $0["name"] as? String } == ["n1", "n2", "n3"], "\(json.prefix(300))")
            #expect(members.allSatisfy { ($0["heartbeat_age_seconds"] as? Double ?? 99) < 2.5 }, "\(members)")
            let lastNodes = Set((view?["jobs"] as? [[String: Any]] ?? []).compactMap { ($0["last_run"] as? [String: Any])?["node"] as? String })
            #expect(lastNodes.isSubset(of: ["n1", "n2", "n3"]) && !lastNodes.isEmpty)
            for s in servers { #expect(s.stop() == 0, "\(s.output)") }
            let seen = lines(out)
            #expect(Set(seen).count == seen.count, "\(seen.count - Set(seen).count) ticks ran twice")
            let byJob = Dictionary(grouping: seen, by: { String($0.split(separator: " ")[0]) })
            #expect(byJob.count == jobCount)
            var missing = 0
            for (_, ticks) in byJob {
                let dues = ticks.compactMap { parseDue(String($0.split(separator: " ")[1])) }.sorted()
                missing += zip(dues, dues.dropFirst()).reduce(0) { $0 + Int(($1.1.timeIntervalSince($1.0)).rounded()) - 1 }
            }
            #expect(missing == 0, "\(missing) ticks missing between each job's first and last")
            #expect(seen.count >= jobCount * 20, "\(seen.count) runs in 30 s")
            let shares = try cli.psql("SELECT node || ' ' || count(*) FROM tickwork_runs GROUP BY node ORDER BY node", url: url)
            #expect(shares.split(separator: "\n").count == 3, "every node ran some: \(shares)")
        }
    }

    /// The benchmark itself, small: its own database made and dropped,
    /// real nodes, a node killed; every tick once, the kill's runs rescued
    /// within the lease and a heartbeat.
    /// Not under a sanitizer: three instrumented nodes beside the other
    /// suites starved the screen tests running meanwhile, and the plain
    /// pass has run the same code.
    @Test(.enabled(if: ProcessInfo.processInfo.environment["TICKWORK_TEST_SANITIZER"] == nil, "a benchmark: the plain pass runs it"))
    func theClusterBenchmarkRunsAndReports() throws {
        guard let admin = ProcessInfo.processInfo.environment["TICKWORK_TEST_POSTGRES_URL"] else { return }
        let jobs = 300
        let (status, text) = try spawnAndWait([TmuxSession.binary.path, "bench-cluster", "--store", admin, "--jobs", String(jobs),
                                               "--pmin", "1", "--pmax", "3", "--warmup", "2", "--seconds", "6", "--kill", "--json"])
        let line = text.split(separator: "\n").first { $0.hasPrefix("{") }.map(String.init) ?? ""
        let report = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] ?? [:]
        let steady = report["steady"] as? [String: Any] ?? [:]
        #expect(status == 0, "\(text.suffix(600))")
        #expect(steady["twice"] as? Int == 0 && steady["missing"] as? Int == 0 && report["never_ran"] as? Int == 0, "\(line)")
        #expect((steady["ticks"] as? Int ?? 0) >= jobs * 2, "\(line)")
        #expect((report["after_kill"] as? [String: Any])?["twice"] as? Int == 0, "\(line)")
        let rescued = report["rescued_after_ms"] as? Double ?? -1
        #expect(report["held_at_death"] as? Int == 0 || (2000...9000).contains(rescued), "lease 5 s, heartbeat 1 s: \(line)")
        let dead = report["declared_dead_after_ms"] as? Double ?? -1
        #expect((2000...9000).contains(dead), "declared dead within lease + heartbeat of its last beat: \(line)")
        let left = try cli.psql("SELECT count(*) FROM pg_database WHERE datname LIKE 'tickwork_bench_%'")
        #expect(left.trimmingCharacters(in: .whitespacesAndNewlines) == "0", "the bench drops its database")
    }

    /// A dashboard attached to one node shows the cluster: every node
    /// (this one marked) and the latest runs with the node that ran each;
    /// `p` on a run pauses its job in the whole cluster, and again resumes
    /// it; `c` cancels it there.
    @Test func aDashboardOnANodeShowsAndSteersTheCluster() throws {
        try cli.withDatabase { url in
            let file = try cli.jobFile("workers: 2\njobs:\n  - name: tick\n    command: [\"true\"]\n    every: 1s\n")
            defer { unlink(file) }
            let servers = try nodes(["n1", "n2"], url: url, file: file)
            let s = try TmuxSession([String(servers[0].pid)], subcommand: "attach", env: servers[0].env)
            try s.waitFor(text: "cluster (node n1")
            let screen = try s.waitFor("both nodes and a recent run") { text in
                text.contains("n1* 2 workers") && text.contains("n2 2 workers") && text.range(of: #"tick \d\d:\d\d:\d\dZ n[12]: "#, options: .regularExpression) != nil
            }
            #expect(screen.contains("store postgresql://"), "\(screen)")
            try s.send("h")
            try s.waitFor(text: "retired    once")
            try s.send("p")
            try s.waitFor(text: "paused tick in the cluster")
            #expect(try cli.psql("SELECT paused FROM tickwork_jobs WHERE name = 'tick'", url: url).hasPrefix("t"))
            try s.send("p")
            try s.waitFor(text: "resumed tick in the cluster")
            #expect(try cli.psql("SELECT paused FROM tickwork_jobs WHERE name = 'tick'", url: url).hasPrefix("f"))
            try s.send("c")
            try s.send("y")
            try s.waitFor(text: "cancelled tick in the cluster")
            #expect(try cli.psql("SELECT removed FROM tickwork_jobs WHERE name = 'tick'", url: url).hasPrefix("t"))
            try s.send("q")
            try s.waitFor(text: "EXIT=0")
            for p in servers { #expect(p.stop() == 0, "\(p.output)") }
        }
    }

    @Test func aNodeKilledOrFrozenCostsNoTickTwice() throws {
        try cli.withDatabase { url in try killAndFreeze(url) }
    }

    /// Three nodes; SIGKILL one mid-run, SIGSTOP another past its lease.
    func killAndFreeze(_ url: String) throws {
        let out = NSTemporaryDirectory() + "tickwork-e2e-cluster-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).txt"
        defer { unlink(out) }
        // Each run takes half a second: a kill lands mid-run.
        let file = try jobFile(30, out: out, extra: "; sleep 0.5")
        defer { unlink(file) }
        let servers = try nodes(["k1", "k2", "k3"], url: url, file: file)
        let k2 = servers[1], k3 = servers[2]
        Thread.sleep(forTimeInterval: 3)
        // Mid-run: once k2 has runs on record as running.
        let k2Running = "SELECT count(*) FROM tickwork_runs WHERE node = 'k2' AND state = 'running'"
        #expect(try waitUntil(seconds: 10) { try cli.psql(k2Running, url: url).trimmingCharacters(in: .whitespacesAndNewlines) != "0" })
        kill(k2.pid, SIGKILL)
        _ = k2.wait()
        let killedAt = Date()
        // Its claims go to the others within lease (5 s) + heartbeat (1 s).
        let gone = "SELECT count(*) FROM tickwork_nodes WHERE name = 'k2'"
        #expect(try waitUntil(seconds: 15) { try cli.psql(gone, url: url).hasPrefix("0") })
        let rescuedAfter = Date().timeIntervalSince(killedAt)
        #expect(rescuedAfter < 8, "rescued after \(rescuedAfter) s")
        // Frozen past its lease, then continued: it starts nothing another node took, and joins again.
        kill(k3.pid, SIGSTOP)
        Thread.sleep(forTimeInterval: 8)
        kill(k3.pid, SIGCONT)
        let continued = try cli.psql("SELECT extract(epoch from now())", url: url).trimmingCharacters(in: .whitespacesAndNewlines)
        let since = "SELECT count(*) FROM tickwork_runs WHERE node = 'k3' AND claimed_at > to_timestamp(" + continued + ")"
        let rejoined = try waitUntil(seconds: 30) { try cli.psql(since, url: url).trimmingCharacters(in: .whitespacesAndNewlines) != "0" }
        let said = String(k3.output.suffix(600))
        #expect(rejoined, "k3 claims again after SIGCONT: \(said)")
        #expect(said.contains("cluster: this node's lease was taken"), "\(said)")
        Thread.sleep(forTimeInterval: 2)
        #expect(servers[0].stop() == 0, "\(servers[0].output)")
        #expect(k3.stop() == 0, "\(k3.output)")
        let seen = lines(out)
        #expect(Set(seen).count == seen.count, "\(seen.count - Set(seen).count) ticks ran twice")
        let interrupted = try cli.psql("SELECT count(*) FROM tickwork_runs WHERE state = 'interrupted' AND node = 'k2'", url: url)
        let k2States = try cli.psql("SELECT state || ' ' || count(*) FROM tickwork_runs WHERE node = 'k2' GROUP BY state", url: url)
        #expect(Int(interrupted.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0 >= 1, "the runs k2 was running are interrupted: \(k2States)")
        let open = try cli.psql("SELECT count(*) FROM tickwork_runs WHERE node = 'k2' AND state IN ('claimed', 'running', 'released')", url: url)
        #expect(open.hasPrefix("0"), "none of k2's runs is left open: \(k2States)")
    }

    @Test func aPostgreSQLRestartUnderTheClusterLosesNoTick() throws {
        // A server of its own: restarting the shared one would cut the other suites off.
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("scripts/postgres.sh").path
        var template = Array("/tmp/tickwork-e2e-pg-XXXXXX".utf8CString)
        let dir = String(cString: mkdtemp(&template)!)
        let (started, url) = try spawnAndWait([script, "start", dir])
        defer { _ = try? spawnAndWait([script, "stop", dir]) }
        try #require(started == 0, "\(url)")
        let store = url.trimmingCharacters(in: .whitespacesAndNewlines)
        let out = dir + "/out.txt"
        // catch_up: every tick must run, even those that fell due during the outage.
        var yaml = "jobs:\n"
        for i in 0..<10 { yaml += "  - name: r\(i)\n    shell: 'echo \"$TICKWORK_JOB $TICKWORK_DUE\" >> \(out)'\n    every: 1s\n    missed: catch_up\n" }
        let file = try cli.jobFile(yaml)
        defer { unlink(file) }
        let servers = try nodes(["p1", "p2"], url: store, file: file)
        Thread.sleep(forTimeInterval: 3)
        let (restarted, text) = try spawnAndWait([script, "restart", dir])
        #expect(restarted == 0, "\(text)")
        for s in servers {
            #expect(try waitUntil(seconds: 20) { s.output.contains("cluster: reconnected to") }, "\(s.output)")
        }
        #expect(servers.contains { $0.output.contains("cluster: lost postgresql://") })
        Thread.sleep(forTimeInterval: 3)
        for s in servers { #expect(s.stop() == 0, "\(s.output)") }
        let seen = lines(out)
        #expect(Set(seen).count == seen.count, "\(seen.count - Set(seen).count) ticks ran twice")
        var missing = 0
        for (_, ticks) in Dictionary(grouping: seen, by: { String($0.split(separator: " ")[0]) }) {
            let dues = ticks.compactMap { parseDue(String($0.split(separator: " ")[1])) }.sorted()
            missing += zip(dues, dues.dropFirst()).reduce(0) { $0 + Int(($1.1.timeIntervalSince($1.0)).rounded()) - 1 }
        }
        #expect(missing == 0, "\(missing) ticks lost across the restart")
        #expect(seen.count >= 10 * 6, "\(seen.count)")
    }

    func waitUntil(seconds: Double, _ check: () throws -> Bool) throws -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if try check() { return true }
            Thread.sleep(forTimeInterval: 0.2)
        }
        return false
    }
}

/// `2026-12-01T09:00:00.000Z` (TICKWORK_DUE) as a date.
func parseDue(_ text: String) -> Date? {
    let f = ISO8601DateFormatter()
    f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    return f.date(from: text)
}
