import Foundation
import Testing
@testable import Tickwork

/// Properties over seeded random inputs (SplitMix64: the same cases every
/// run; a failure names its seed and case). The cron generator builds each
/// field as a set of values first and writes the text from it, so the
/// checks compare the parser against sets it never saw being parsed.
@Suite("Properties")
struct PropertyTests {
    static let seed: UInt64 = 0x7157_2026

    // MARK: Cron

    /// One field: the values it names and a text that names them.
    struct Field {
        var values: Set<Int>
        var text: String
        var isStar: Bool
    }

    /// Values drawn from `range`; `*` names all of `full` (day-of-month draws
    /// from 1…28 at times, but its `*` is every day).
    static func field(_ range: ClosedRange<Int>, full: ClosedRange<Int>? = nil, _ rng: inout SplitMix64,
                      allowStar: Bool = true, starSteps: Bool = true) -> Field {
        func pick(_ r: ClosedRange<Int>) -> Int { r.lowerBound + Int(rng.next() % UInt64(r.count)) }
        switch rng.next() % 6 {
        case 0 where allowStar:
            return Field(values: Set(full ?? range), text: "*", isStar: true)
        case 1 where starSteps:
            let step = pick(1...Swift.max(1, range.count / 2))
            return Field(values: Set(stride(from: range.lowerBound, through: range.upperBound, by: step)), text: "*/\(step)", isStar: false)
        case 2:
            let a = pick(range), b = pick(a...range.upperBound)
            return Field(values: Set(a...b), text: "\(a)-\(b)", isStar: false)
        case 3:
            let a = pick(range), b = pick(a...range.upperBound), step = pick(1...5)
            return Field(values: Set(stride(from: a, through: b, by: step)), text: "\(a)-\(b)/\(step)", isStar: false)
        default:
            let items = (0..<pick(1...4)).map { _ in pick(range) }
            return Field(values: Set(items), text: items.map(String.init).joined(separator: ","), isStar: false)
        }
    }

    /// A random valid expression with its fields. Day fields avoid `*/n`
    /// (whether it restricts the day is Vixie's `*`-prefix rule, checked on
    /// its own) and day-of-month stays ≤ 28 often enough to fire each month.
    static func expression(_ rng: inout SplitMix64) -> (text: String, fields: [Field]) {
        let fields = [
            field(0...59, &rng), field(0...23, &rng),
            field(1...(rng.next() % 4 == 0 ? 31 : 28), full: 1...31, &rng, starSteps: false),
            field(1...12, &rng), field(0...6, &rng, starSteps: false),
        ]
        return (fields.map(\.text).joined(separator: " "), fields)
    }

    /// The test's own reading of an expression (Vixie: with both day
    /// fields restricted a day matches if either does).
    static func matches(_ date: Date, _ f: [Field], _ calendar: Calendar) -> Bool {
        let c = calendar.dateComponents([.minute, .hour, .day, .month, .weekday], from: date)
        guard f[0].values.contains(c.minute!), f[1].values.contains(c.hour!), f[3].values.contains(c.month!) else { return false }
        let dom = f[2].values.contains(c.day!), dow = f[4].values.contains(c.weekday! - 1)
        if !f[2].isStar && !f[4].isStar { return dom || dow }
        return dom && dow
    }

    @Test("cron: the next fire is after t, matches, and no matching minute lies between")
    func cronNext() throws {
        var rng = SplitMix64(seed: Self.seed)
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        var checkedBetween = 0, cases = 0
        for n in 0..<1000 {
            let (text, fields) = Self.expression(&rng)
            let cron = try CronExpression(parsing: text, timeZone: calendar.timeZone)
            // An instant in 2020…2035, on any second.
            let t = Date(timeIntervalSince1970: 1_577_836_800 + Double(rng.next() % 473_040_000))
            guard let next = cron.nextFire(after: t) else {
                Issue.record("case \(n) '\(text)': no next fire after \(t)"); continue
            }
            cases += 1
            #expect(next > t, "case \(n) '\(text)'")
            #expect(Self.matches(next, fields, calendar), "case \(n) '\(text)': \(next) does not match")
            #expect(calendar.component(.second, from: next) == 0, "case \(n): fires on whole minutes")
            // Every minute between (up to 7 days of them) does not match.
            let first = calendar.date(bySetting: .second, value: 0, of: t).map { $0 > t ? $0 : $0.addingTimeInterval(60) }!
            if next.timeIntervalSince(first) <= 7 * 86_400 {
                checkedBetween += 1
                var m = first
                while m < next {
                    if Self.matches(m, fields, calendar) { Issue.record("case \(n) '\(text)': \(m) matches before \(next)"); break }
                    m = m.addingTimeInterval(60)
                }
            }
        }
        #expect(cases == 1000 && checkedBetween > 300, "between-checks ran on \(checkedBetween) cases")
    }

    @Test("cron: printing and parsing again gives the same expression; spacing and case do not matter")
    func cronRoundTrip() throws {
        var rng = SplitMix64(seed: Self.seed ^ 1)
        let names = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
        for n in 0..<2000 {
            let (text, fields) = Self.expression(&rng)
            let cron = try CronExpression(parsing: text)
            #expect(try CronExpression(parsing: cron.description) == cron, "case \(n) '\(text)'")
            // The same fields, written with tabs, spaces and month names in upper case.
            var words = fields.map(\.text)
            if fields[3].values.count == 1, let m = fields[3].values.first, !fields[3].isStar { words[3] = names[m - 1].uppercased() }
            let respaced = "  " + words.joined(separator: rng.next() % 2 == 0 ? "\t" : "   ") + " "
            let other = try CronExpression(parsing: respaced)
            #expect(other.minutes == cron.minutes && other.hours == cron.hours && other.daysOfMonth == cron.daysOfMonth
                    && other.months == cron.months && other.daysOfWeek == cron.daysOfWeek
                    && other.domRestricted == cron.domRestricted && other.dowRestricted == cron.dowRestricted,
                    "case \(n): '\(text)' vs '\(respaced)'")
            // And the fields are the generator's sets.
            #expect((0...59).filter { cron.minutes & (1 << UInt64($0)) != 0 } == fields[0].values.sorted(), "case \(n) '\(text)'")
            #expect((1...12).filter { cron.months & (1 << UInt16($0)) != 0 } == fields[3].values.sorted(), "case \(n) '\(text)'")
        }
    }

    // MARK: Back-off, jitter, grids

    @Test("back-off stays within [0, cap] and never shrinks as failures grow")
    func backoffBounds() {
        var rng = SplitMix64(seed: Self.seed ^ 2)
        for n in 0..<20_000 {
            let initial = Int64(rng.next() % UInt64(Schedule.longestSpan.nanoseconds))
            let cap = initial + Int64(rng.next() % UInt64(Schedule.longestSpan.nanoseconds - initial + 1))
            var previous: Int64 = 0
            for failures in [0, 1, 2, 3, 10, 40, 62, 63, 64, 1000, Int(rng.next() % 10_000)].sorted() {
                let wait = Cadence.backoff(failures: failures, initial: initial, cap: cap)
                #expect(wait >= 0 && wait <= cap, "case \(n): \(failures) failures, initial \(initial), cap \(cap) → \(wait)")
                #expect(wait >= previous, "case \(n): shrank at \(failures) failures")
                previous = wait
            }
        }
    }

    @Test("jitter stays within [0, bound] for every bound a schedule takes")
    func jitterBounds() {
        var rng = SplitMix64(seed: Self.seed ^ 3)
        for _ in 0..<50_000 {
            let bound = Int64(rng.next() % UInt64(Schedule.longestSpan.nanoseconds + 1))
            let j = Cadence.jitter(bound: bound, id: rng.next(), run: rng.next())
            #expect(j >= 0 && j <= bound)
        }
    }

    @Test("fixed rate: whatever the runs' lengths, due times stay on first + k·period; catch-up runs every k", arguments: MissedTickPolicy.allCases)
    func fixedRateGrid(policy: MissedTickPolicy) {
        var rng = SplitMix64(seed: Self.seed ^ 4)
        for n in 0..<2000 {
            let period = 1 + Int64(rng.next() % 10_000_000_000)
            let first = Int64(rng.next() % 1_000_000_000_000)
            var due = first, anchor = first, k: Int64 = 0, missed = 0
            for _ in 0..<50 {
                // Runs mostly fit their period; some overrun by up to 5 periods.
                let length = rng.next() % 4 == 0 ? Int64(rng.next() % UInt64(5 * period)) : Int64(rng.next() % UInt64(period))
                let end = due + length
                let plan = Cadence.fixedRate(period: period, policy: policy, due: due, end: end)
                #expect(plan.missed >= 0, "case \(n)")
                if policy == .reanchor && plan.nextDue == end {
                    anchor = end; due = end; k = 0   // the grid continues from the end
                    continue
                }
                #expect(plan.nextDue > due && (plan.nextDue - anchor) % period == 0, "case \(n): \(plan.nextDue) is off the grid")
                let step = (plan.nextDue - due) / period
                #expect(Int(step) - 1 <= plan.missed + 1, "case \(n): skipped ticks are counted")
                if policy == .catchUp { #expect(step == 1 && plan.missed == 0, "case \(n): catch-up runs every tick") }
                if policy == .skip { #expect(plan.nextDue > end && plan.nextDue - period <= Swift.max(end, due), "case \(n): the first tick after the end") }
                k += step; missed += plan.missed
                due = plan.nextDue
                #expect(due == anchor + k * period, "case \(n): k-th due is first + k·period exactly")
            }
        }
    }
}
