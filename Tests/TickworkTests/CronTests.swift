import Foundation
import Testing
@testable import Tickwork

@Suite("Cron expressions")
struct CronTests {
    let utc = TimeZone(identifier: "UTC")!

    func date(_ s: String, _ tz: TimeZone? = nil) -> Date {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = tz ?? utc
        f.dateFormat = "yyyy-MM-dd HH:mm"
        return f.date(from: s)!
    }

    func fires(_ expr: String, after start: String, count: Int, tz: TimeZone? = nil) throws -> [String] {
        let zone = tz ?? utc
        let c = try CronExpression(parsing: expr, timeZone: zone)
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = zone
        f.dateFormat = "yyyy-MM-dd HH:mm EEE"
        var t = date(start, zone)
        var out: [String] = []
        for _ in 0..<count {
            guard let n = c.nextFire(after: t) else { break }
            out.append(f.string(from: n))
            t = n
        }
        return out
    }

    @Test("known next-fire tables")
    func tables() throws {
        #expect(try fires("*/15 * * * *", after: "2026-01-01 10:07", count: 3)
                == ["2026-01-01 10:15 Thu", "2026-01-01 10:30 Thu", "2026-01-01 10:45 Thu"])
        #expect(try fires("0 9 * * mon-fri", after: "2026-01-02 10:00", count: 3)
                == ["2026-01-05 09:00 Mon", "2026-01-06 09:00 Tue", "2026-01-07 09:00 Wed"])
        #expect(try fires("30 2 29 feb *", after: "2026-01-01 00:00", count: 2)
                == ["2028-02-29 02:30 Tue", "2032-02-29 02:30 Sun"])
        #expect(try fires("0 0 1,15 * *", after: "2026-03-10 12:00", count: 3)
                == ["2026-03-15 00:00 Sun", "2026-04-01 00:00 Wed", "2026-04-15 00:00 Wed"])
        #expect(try fires("5 4 * * 7", after: "2026-01-01 00:00", count: 2)
                == ["2026-01-04 04:05 Sun", "2026-01-11 04:05 Sun"])
        #expect(try fires("0 12 13 * 5", after: "2026-02-01 00:00", count: 3)  // Vixie: 13th OR Friday
                == ["2026-02-06 12:00 Fri", "2026-02-13 12:00 Fri", "2026-02-20 12:00 Fri"])
        #expect(try fires("10-20/5 8 * jan,jul *", after: "2026-06-30 09:00", count: 4)
                == ["2026-07-01 08:10 Wed", "2026-07-01 08:15 Wed", "2026-07-01 08:20 Wed", "2026-07-02 08:10 Thu"])
        #expect(try fires("@monthly", after: "2026-12-05 00:00", count: 2)
                == ["2027-01-01 00:00 Fri", "2027-02-01 00:00 Mon"])
        #expect(try fires("0 */6 * * *", after: "2026-05-05 05:59", count: 3)
                == ["2026-05-05 06:00 Tue", "2026-05-05 12:00 Tue", "2026-05-05 18:00 Tue"])
    }

    @Test("a date that never comes gives nil")
    func never() throws {
        let c = try CronExpression(parsing: "0 0 30 2 *", timeZone: utc)
        #expect(c.nextFire(after: date("2026-01-01 00:00")) == nil)
    }

    @Test("DST in New York: the repeated hour fires once, the skipped hour still fires")
    func dst() throws {
        let ny = TimeZone(identifier: "America/New_York")!
        // 2026-11-01 01:00-02:00 happens twice.
        let fall = try fires("30 1 * * *", after: "2026-10-31 12:00", count: 2, tz: ny)
        #expect(fall == ["2026-11-01 01:30 Sun", "2026-11-02 01:30 Mon"])
        // 2026-03-08 02:00-03:00 does not exist: the 02:30 run happens right after the gap.
        let c = try CronExpression(parsing: "30 2 * * *", timeZone: ny)
        let next = c.nextFire(after: date("2026-03-08 00:00", ny))!
        #expect(next == date("2026-03-08 03:00", ny))
        // `*` in the day-of-week text makes it unrestricted, so both day fields must match (Vixie).
        let every3 = try CronExpression(parsing: "0 12 1-31 * */3", timeZone: utc)
        let days = (0..<7).reduce(into: [Date]()) { out, _ in out.append(every3.nextFire(after: out.last ?? date("2026-12-01 00:00"))!) }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = utc
        #expect(days.map { calendar.component(.weekday, from: $0) - 1 }.allSatisfy { [0, 3, 6].contains($0) })
    }

    @Test("bad expressions are refused with a message naming the field", arguments: [
        ("* * * *", "4 fields"),
        ("60 * * * *", "minute"),
        ("* 24 * * *", "hour"),
        ("* * 0 * *", "day-of-month"),
        ("* * * foo *", "month"),
        ("* * * * 8", "day-of-week"),
        ("*/0 * * * *", "step"),
        ("5-1 * * * *", "backwards"),
        ("1,,2 * * * *", "empty"),
    ])
    func errors(expr: String, mentions: String) {
        do {
            _ = try CronExpression(parsing: expr)
            Issue.record("'\(expr)' should not parse")
        } catch let e as CronExpression.ParseError {
            #expect(e.message.contains(mentions), "\(e.message)")
        } catch {
            Issue.record("unexpected \(error)")
        }
    }
}
