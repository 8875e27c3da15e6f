import Foundation
import Testing
@testable import Tickwork

/// Tickwork's cron against fixtures from two independent evaluators
/// (scripts/cron-fixtures.py writes them): croniter with Vixie's day rule
/// on 3,000 seeded random expressions, and a simulation of Vixie cron's
/// main loop across the DST days of New York, London and Lord Howe.
@Suite("Cron against croniter and Vixie cron")
struct CronDifferentialTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    static func rows(_ name: String) throws -> [[String]] {
        let text = try String(contentsOf: fixtures.appendingPathComponent(name), encoding: .utf8)
        return text.split(separator: "\n").filter { !$0.hasPrefix("#") }.map { $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) }
    }

    static func fires(_ expr: CronExpression, after start: Int64, count: Int? = nil, through end: Int64 = .max) -> [Int64] {
        var out: [Int64] = []
        var t = Date(timeIntervalSince1970: Double(start))
        while count.map({ out.count < $0 }) ?? true, let next = expr.nextFire(after: t), Int64(next.timeIntervalSince1970) <= end {
            out.append(Int64(next.timeIntervalSince1970))
            t = next
        }
        return out
    }

    @Test("3,000 random expressions: the next five fires are croniter's")
    func randomExpressions() throws {
        let rows = try Self.rows("cron-random.tsv")
        #expect(rows.count == 3000)
        let utc = try #require(TimeZone(identifier: "UTC"))
        var wrong: [String] = []
        for row in rows {
            let expr = try CronExpression(parsing: row[1], timeZone: utc)
            let want = row[3].split(separator: ",").compactMap { Int64($0) }
            let got = Self.fires(expr, after: Int64(row[2])!, count: want.count)
            if got != want { wrong.append("\(row[1]) from \(row[2]): \(got) want \(want)") }
        }
        #expect(wrong.isEmpty, "\(wrong.count) wrong, e.g. \(wrong.prefix(3))")
    }

    @Test("DST days of New York, London and Lord Howe: every fire is Vixie cron's")
    func dstDays() throws {
        let rows = try Self.rows("cron-dst.tsv")
        #expect(rows.count > 300)
        var wrong: [String] = []
        for row in rows {
            let zone = try #require(TimeZone(identifier: row[0]))
            let expr = try CronExpression(parsing: row[1], timeZone: zone)
            let want = row[4].split(separator: ",").compactMap { Int64($0) }
            let got = Self.fires(expr, after: Int64(row[2])!, through: Int64(row[3])!)
            if got != want { wrong.append("\(row[0]) '\(row[1])' from \(row[2]): got \(got.filter { !want.contains($0) }) extra, \(want.filter { !got.contains($0) }) missing") }
        }
        #expect(wrong.isEmpty, "\(wrong.count) wrong, e.g. \(wrong.prefix(4))")
    }
}
