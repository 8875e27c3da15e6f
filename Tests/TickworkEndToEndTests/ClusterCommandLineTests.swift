import Foundation
import Testing

/// `tickwork apply --store` and `status --store` against a real PostgreSQL
/// (`TICKWORK_TEST_POSTGRES_URL`, which scripts/test.sh starts), and the
/// store's bad input: each one line and exit 2.
@Suite(.enabled(if: ProcessInfo.processInfo.environment["TICKWORK_TEST_POSTGRES_URL"] != nil,
                "TICKWORK_TEST_POSTGRES_URL is not set (scripts/test.sh starts a PostgreSQL)"), .serialized)
struct ClusterCommandLineTests {
    let server = ProcessInfo.processInfo.environment["TICKWORK_TEST_POSTGRES_URL"] ?? ""
    let binary = TmuxSession.binary.path

    /// A database of its own, made and dropped with psql's twin: tickwork itself.
    func withDatabase(_ body: (String) throws -> Void) throws {
        let name = "tickwork_e2e_\(getpid())_\(UInt32.random(in: 0...UInt32.max))"
        try psql("CREATE DATABASE \(name)")
        defer { _ = try? psql("DROP DATABASE IF EXISTS \(name) WITH (FORCE)") }
        let base = server.prefix(while: { $0 != "?" })
        let cut = base.range(of: "/", options: .backwards)!.lowerBound
        try body(String(base[..<cut]) + "/" + name)
    }

    /// Runs SQL with Python (no client library of ours in between).
    @discardableResult
    func psql(_ sql: String, url: String? = nil) throws -> String {
        let script = """
            import subprocess, sys, urllib.parse as u
            p = u.urlparse(sys.argv[1])
            r = subprocess.run(["psql", "-X", "-q", "-t", "-A", "-h", p.hostname, "-p", str(p.port), "-U", p.username, "-d", p.path[1:], "-c", sys.argv[2]],
                               env={"PGPASSWORD": u.unquote(p.password or ""), "PATH": "/usr/bin:/bin"}, capture_output=True, text=True)
            sys.stdout.write(r.stdout + r.stderr); sys.exit(r.returncode)
            """
        let (status, text) = try spawnAndWait(["python3", "-c", script, url ?? server, sql])
        if status != 0 { throw E2EError("psql: \(text)") }
        return text
    }

    func jobFile(_ yaml: String) throws -> String {
        let path = NSTemporaryDirectory() + "tickwork-e2e-apply-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).yaml"
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func applyPrintsWhatChangedAndStatusReadsTheStore() throws {
        try withDatabase { url in
            let first = try jobFile("""
                jobs:
                  - name: backup
                    shell: tar czf /tmp/b.tgz /etc
                    cron: "0 3 * * *"
                  - name: ping
                    command: ["true"]
                    every: 30s
                """)
            defer { unlink(first) }
            var (status, text) = try spawnAndWait([binary, "apply", "--store", url, first])
            let shown = "postgresql://postgres@127.0.0.1:" + url.split(separator: ":")[3].prefix(while: \.isNumber) + "/" + url.split(separator: "/").last!
            #expect(status == 0 && text == "applied \(first) to \(shown): 2 added (backup, ping), 0 changed, 0 removed, 0 unchanged\n", "\(text)")
            (status, text) = try spawnAndWait([binary, "apply", "--store", url, first])
            #expect(status == 0 && text.hasSuffix(": 0 added, 0 changed, 0 removed, 2 unchanged\n"), "\(text)")
            #expect(!text.contains(url.split(separator: ":")[2].split(separator: "@")[0]), "no password in the output")
            (status, text) = try spawnAndWait([binary, "status", "--store", url, "--json"])
            #expect(status == 0, "\(text)")
            let json = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
            let jobs = json?["jobs"] as? [[String: Any]] ?? []
            #expect(jobs.map { $0["name"] as? String } == ["backup", "ping"])
            #expect(jobs.map { $0["schedule"] as? String } == ["cron \"0 3 * * *\"", "every 30s"])
            #expect(jobs.map { $0["state"] as? String } == ["active", "active"])
            #expect(json?["store"] as? String == shown)
            (status, text) = try spawnAndWait([binary, "status", "--store", url])
            #expect(status == 0 && text.hasPrefix("\(shown): 0 nodes, 2 jobs\n"), "\(text)")
            let row = text.split(separator: "\n").first { $0.hasPrefix("backup ") }.map(String.init) ?? ""
            #expect(row.contains("default  active  cron \"0 3 * * *\"") && row.hasSuffix("none  tar czf /tmp/b.tgz /etc"), "\(text)")
        }
    }

    @Test func pauseResumeAndCancelActOnTheCluster() throws {
        try withDatabase { url in
            let file = try jobFile("""
                jobs:
                  - name: a
                    command: ["true"]
                    every: 1h
                    group: g
                  - name: b
                    command: ["true"]
                    every: 1h
                    group: g
                """)
            defer { unlink(file) }
            _ = try spawnAndWait([binary, "apply", "--store", url, file])
            var (status, text) = try spawnAndWait([binary, "pause", "--store", url, "a"])
            #expect(status == 0 && text == "paused a in the cluster\n", "\(text)")
            (status, text) = try spawnAndWait([binary, "pause", "--store", url, "--group", "g"])
            #expect(status == 1 && text.contains("paused b in the cluster") && text.contains("a was already paused"), "\(text)")
            (status, text) = try spawnAndWait([binary, "status", "--store", url, "--json"])
            #expect(text.contains("\"state\":\"paused\""), "\(text)")
            (status, text) = try spawnAndWait([binary, "resume", "--store", url, "a", "nosuch"])
            #expect(status == 4 && text.contains("resumed a in the cluster") && text.contains("no job named nosuch in postgresql://"), "\(text)")
            (status, text) = try spawnAndWait([binary, "cancel", "--store", url, "b"])
            #expect(status == 0 && text == "cancelled b in the cluster\n", "\(text)")
            (status, text) = try spawnAndWait([binary, "status", "--store", url, "--json"])
            let json = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
            #expect((json?["jobs"] as? [[String: Any]])?.map { $0["name"] as? String } == ["a"], "\(text)")
            (status, text) = try spawnAndWait([binary, "run", "--store", url, "a"])
            #expect(status == 2 && text.contains("--store takes pause, resume and cancel"), "\(text)")
        }
    }

    @Test func badStoresAreOneLineAndExit2() throws {
        let file = try jobFile("""
            jobs:
              - name: ping
                command: ["true"]
                every: 30s
            """)
        defer { unlink(file) }
        var (status, text) = try spawnAndWait([binary, "apply", "--store", "postgresql://u:pw@127.0.0.1:1/db", file])
        #expect(status == 2 && text == "tickwork: store: cannot connect to postgresql://u@127.0.0.1:1/db: connection to server at \"127.0.0.1\", port 1 failed: Connection refused\n", "\(text)")
        (status, text) = try spawnAndWait([binary, "apply", "--store", "postgresql://u:pw@127.0.0.1/db?colour=blue", file])
        #expect(status == 2 && text == "tickwork: store: cannot parse the store URL \"postgresql://…@127.0.0.1/db?colour=blue\": invalid URI query parameter: \"colour\"\n", "\(text)")
        (status, text) = try spawnAndWait([binary, "status", "--store", "mysql://x/y"])
        #expect(status == 2 && text == "tickwork: store: a store is a postgresql:// URL (got \"mysql://x/y\")\n", "\(text)")
        let scheme = server.range(of: "://")!.upperBound, at = server.range(of: "@")!.lowerBound
        let user = server[scheme..<at].split(separator: ":")[0]
        let wrong = String(server[..<scheme]) + user + ":wrong" + String(server[at...])
        (status, text) = try spawnAndWait([binary, "apply", "--store", wrong, file])
        #expect(status == 2 && text.hasSuffix("password authentication failed for user \"postgres\"\n") && !text.contains("wrong"), "\(text)")
        try withDatabase { url in
            (status, text) = try spawnAndWait([binary, "apply", "--store", url, file])
            #expect(status == 0, "\(text)")
            try psql("UPDATE tickwork_meta SET value = '42' WHERE key = 'schema_version'", url: url)
            (status, text) = try spawnAndWait([binary, "apply", "--store", url, file])
            #expect(status == 2 && text.hasSuffix("holds Tickwork schema 42; this tickwork knows up to 3: upgrade tickwork\n"), "\(text)")
        }
    }
}
