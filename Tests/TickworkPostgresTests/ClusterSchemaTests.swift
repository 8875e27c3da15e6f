import Foundation
import Testing
import TickworkJobFile
@testable import TickworkPostgres

/// The cluster's schema and jobs on a real PostgreSQL: created and
/// migrated once however many nodes start together, a newer schema
/// refused, a job file applied by name; and the connection's failures
/// (a URL that does not parse, no server, a wrong password) each one line
/// with no password in it.
@Suite(.enabled(if: testServerURL != nil, Comment(rawValue: noServerReason)))
struct ClusterSchemaTests {
    @Test func theSchemaIsMadeOnceEvenWhenNodesStartTogether() throws {
        let scratch = try ScratchDatabase()
        let url = scratch.url
        let errors = Recorder()
        DispatchQueue.concurrentPerform(iterations: 4) { _ in
            do { try ClusterSchema.migrate(try PostgresConnection(url)) } catch { errors.add("\(error)") }
        }
        #expect(errors.all.isEmpty, "\(errors.all)")
        let db = try scratch.connect()
        #expect(try ClusterSchema.version(db) == ClusterSchema.current)
        try ClusterSchema.migrate(db)   // again: nothing to do
        let tables = try db.execute("SELECT count(*) FROM pg_tables WHERE tablename LIKE 'tickwork_%'")
        #expect(tables.first?[0] == "5")
    }

    @Test func aNewerSchemaIsRefused() throws {
        let scratch = try ScratchDatabase()
        let db = try scratch.connect()
        try ClusterSchema.migrate(db)
        try db.execute("UPDATE tickwork_meta SET value = '99' WHERE key = 'schema_version'")
        #expect(throws: PostgresError("\(scratch.url) holds Tickwork schema 99; this tickwork knows up to \(ClusterSchema.current): upgrade tickwork")) {
            try ClusterSchema.migrate(db)
        }
    }

    func jobs(_ yaml: String) throws -> JobFile { try JobFileParser.parse(yaml, path: "jobs.yaml").get() }

    @Test func applyingAFileAddsChangesAndRemovesByName() throws {
        let scratch = try ScratchDatabase()
        let db = try scratch.connect()
        try ClusterSchema.migrate(db)
        let first = try jobs("""
            jobs:
              - name: backup
                shell: tar czf /tmp/b.tgz /etc
                cron: "0 3 * * *"
              - name: ping
                command: ["ping", "-c1", "example.org"]
                every: 30s
                paused: true
              - name: sync
                command: ["rsync", "-a", "/a", "/b"]
                every: 5m
            """)
        var report = try ClusterJobs.apply(first, to: db)
        #expect(report.added == ["backup", "ping", "sync"] && report.changed.isEmpty && report.removed.isEmpty)
        report = try ClusterJobs.apply(first, to: db)
        #expect(report.added.isEmpty && report.changed.isEmpty && report.removed.isEmpty && report.unchanged == 3)
        let rows = try ClusterJobs.list(db)
        #expect(rows.map(\.name) == ["backup", "ping", "sync"])
        #expect(rows.map(\.paused) == [false, true, false])
        var expected = first.jobs
        for i in expected.indices { expected[i].line = 0 }
        #expect(rows.map(\.entry) == expected, "the entries come back as written")

        let second = try jobs("""
            jobs:
              - name: backup
                shell: tar czf /tmp/b.tgz /etc /home
                cron: "0 3 * * *"
              - name: ping
                command: ["ping", "-c1", "example.org"]
                every: 30s
              - name: report
                command: ["true"]
                every: 1h
            """)
        report = try ClusterJobs.apply(second, to: db)
        #expect(report.added == ["report"] && report.changed == ["backup", "ping"] && report.removed == ["sync"])
        #expect(report.summary(verb: "applied jobs.yaml to \(db.url)")
                == "applied jobs.yaml to \(db.url): 1 added (report), 2 changed (backup, ping), 1 removed (sync), 0 unchanged")
        let after = try ClusterJobs.list(db)
        #expect(after.map(\.name) == ["backup", "ping", "report"])
        // The file's paused: sets a job's pause when it is added, not later.
        #expect(after.first { $0.name == "ping" }?.paused == true)
        #expect(after.first { $0.name == "backup" }?.generation == 2)
        // A removed job added again comes back.
        report = try ClusterJobs.apply(first, to: db)
        #expect(report.added == ["sync"] && report.removed == ["report"])
    }

    @Test func connectionFailuresAreOneLineWithoutThePassword() throws {
        let server = try PostgresURL(try #require(testServerURL))
        #expect(throws: PostgresError("a store is a postgresql:// URL (got \"mysql://…@h/db\")")) { _ = try PostgresURL("mysql://u:secret@h/db") }
        #expect(throws: PostgresError("cannot parse the store URL \"postgresql://…@h/db?colour=blue\": invalid URI query parameter: \"colour\"")) {
            _ = try PostgresURL("postgresql://u:secret@h/db?colour=blue")
        }
        // libpq quotes the token it choked on: here the password itself.
        #expect(throws: PostgresError("cannot parse the store URL \"postgresql://…@h/db\": invalid percent-encoded token: \"…\"")) {
            _ = try PostgresURL("postgresql://u:se%zzcret@h/db")
        }
        let ipv6 = #expect(throws: PostgresError.self) { _ = try PostgresURL("postgresql://u:secret@[::1/db") }
        #expect(ipv6?.description.contains("secret") == false && ipv6?.description.contains("IPv6") == true, "\(String(describing: ipv6))")
        let port = #expect(throws: PostgresError.self) { _ = try PostgresConnection(try PostgresURL("postgresql://u:secret@127.0.0.1:port/db")) }
        #expect(port?.description == "cannot connect to postgresql://u@127.0.0.1:port/db: invalid integer value \"port\" for connection option \"port\"")
        let refused = #expect(throws: PostgresError.self) { _ = try PostgresConnection(try PostgresURL("postgresql://u:secret@127.0.0.1:1/db")) }
        #expect(refused?.description == "cannot connect to postgresql://u@127.0.0.1:1/db: connection to server at \"127.0.0.1\", port 1 failed: Connection refused")
        let wrong = ScratchDatabase.replacingPassword(in: server.text, with: "not-the-password")
        let denied = #expect(throws: PostgresError.self) { _ = try PostgresConnection(try PostgresURL(wrong)) }
        #expect(denied?.description.hasSuffix("password authentication failed for user \"postgres\"") == true, "\(String(describing: denied))")
        #expect(denied?.description.contains("not-the-password") == false)
    }
}

extension ScratchDatabase {
    static func replacingPassword(in text: String, with password: String) -> String {
        guard let scheme = text.range(of: "://"), let at = text.range(of: "@") else { return text }
        let userInfo = text[scheme.upperBound..<at.lowerBound]
        let user = userInfo.split(separator: ":", maxSplits: 1).first ?? ""
        return String(text[..<scheme.upperBound]) + user + ":" + password + String(text[at.lowerBound...])
    }
}

final class Recorder: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [String] = []
    func add(_ s: String) { lock.lock(); items.append(s); lock.unlock() }
    var all: [String] { lock.lock(); defer { lock.unlock() }; return items }
}
