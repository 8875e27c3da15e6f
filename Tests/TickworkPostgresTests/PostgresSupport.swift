import Foundation
import Testing
@testable import TickworkPostgres

/// The server the tests use: `TICKWORK_TEST_POSTGRES_URL` (scripts/test.sh
/// starts a throwaway one). Without it the suites are skipped, saying so;
/// in CI its absence is a failure (`CIHasADatabase`).
let testServerURL: String? = ProcessInfo.processInfo.environment["TICKWORK_TEST_POSTGRES_URL"].flatMap { $0.isEmpty ? nil : $0 }
let noServerReason = "TICKWORK_TEST_POSTGRES_URL is not set (scripts/test.sh starts a PostgreSQL; scripts/postgres.sh start DIR prints a URL)"

/// A database of its own for one test, dropped at the end.
final class ScratchDatabase {
    let name: String
    let url: PostgresURL
    private let admin: PostgresConnection

    init() throws {
        let server = try PostgresURL(try #require(testServerURL))
        admin = try PostgresConnection(server)
        name = "tickwork_test_\(getpid())_\(UInt32.random(in: 0...UInt32.max))"
        try admin.execute("CREATE DATABASE \(name)")
        url = try PostgresURL(Self.replacingDatabase(in: server.text, with: name))
    }

    func connect() throws -> PostgresConnection { try PostgresConnection(url) }

    /// The same URL naming another database.
    static func replacingDatabase(in text: String, with name: String) -> String {
        let query = text.firstIndex(of: "?").map { String(text[$0...]) } ?? ""
        let base = String(text.prefix(while: { $0 != "?" }))
        let slash = base.range(of: "/", options: .backwards, range: base.range(of: "://")!.upperBound..<base.endIndex)
        return (slash.map { String(base[..<$0.lowerBound]) } ?? base) + "/" + name + query
    }

    deinit { _ = try? admin.execute("DROP DATABASE IF EXISTS \(name) WITH (FORCE)") }
}

@Suite struct CIHasADatabase {
    @Test func theClusterTestsRunInCI() {
        let ci = ProcessInfo.processInfo.environment["CI"] == "true"
        #expect(!ci || testServerURL != nil, "CI must run the PostgreSQL tests: \(noServerReason)")
    }
}
