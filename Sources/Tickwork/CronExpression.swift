import Foundation

/// A 5-field cron expression: minute hour day-of-month month day-of-week.
///
/// Fields take `*`, numbers, ranges `a-b`, steps `*/n` and `a-b/n` and `a/n`,
/// lists `a,b,c`, month names `jan`…`dec` and day names `sun`…`sat` (7 is
/// Sunday too). Macros: `@hourly`, `@daily` (`@midnight`), `@weekly`,
/// `@monthly`, `@yearly` (`@annually`).
///
/// The semantics are Vixie cron's (cron.c and entry.c of cron 4.1):
/// - **The day rule.** A day field whose text starts with `*` is
///   unrestricted; when neither starts with `*`, a day matches if either
///   field does, else both must (`0 12 1-31 * */3` runs on Sundays,
///   Wednesdays and Saturdays only).
/// - **Wildcard and fixed-time jobs.** A job whose minute or hour field
///   starts with `*` is a wildcard job; the others are fixed-time jobs.
/// - **Clock changes** (DST, `CronExpression.nextFire(after:)`): in a
///   spring-forward gap a fixed-time job due at a skipped wall time runs
///   once, right after the gap; a wildcard job runs only at wall times that
///   exist. In a fall-back overlap a fixed-time job runs at the first
///   occurrence only; a wildcard job runs at every real minute it names,
///   both passes.
public struct CronExpression: Sendable, Equatable, CustomStringConvertible {
    public let source: String
    let minutes: UInt64      // bit i = minute i
    let hours: UInt32        // bit i = hour i
    let daysOfMonth: UInt32  // bit i = day i (1…31)
    let months: UInt16       // bit i = month i (1…12)
    let daysOfWeek: UInt8    // bit i = weekday i (0 = Sunday)
    let domRestricted: Bool
    let dowRestricted: Bool
    /// The minute or hour field starts with `*`: Vixie's MIN_STAR | HR_STAR.
    public let isWildcard: Bool
    public let timeZone: TimeZone

    public var description: String { source }

    public struct ParseError: Error, CustomStringConvertible, Equatable {
        public let message: String
        public var description: String { message }
    }

    public init(parsing text: String, timeZone: TimeZone = .current) throws {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let macros = ["@hourly": "0 * * * *", "@daily": "0 0 * * *", "@midnight": "0 0 * * *",
                      "@weekly": "0 0 * * 0", "@monthly": "0 0 1 * *", "@yearly": "0 0 1 1 *",
                      "@annually": "0 0 1 1 *"]
        let expanded = macros[trimmed.lowercased()] ?? trimmed
        let fields = expanded.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard fields.count == 5 else {
            throw ParseError(message: "cron expression '\(text)' has \(fields.count) fields; expected 5 (minute hour day-of-month month day-of-week)")
        }
        let monthNames = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
        let dayNames = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]
        let minute = try Self.parseField(fields[0], name: "minute", range: 0...59, names: [:])
        let hour = try Self.parseField(fields[1], name: "hour", range: 0...23, names: [:])
        let dom = try Self.parseField(fields[2], name: "day-of-month", range: 1...31, names: [:])
        let month = try Self.parseField(fields[3], name: "month", range: 1...12,
                                        names: Dictionary(uniqueKeysWithValues: monthNames.enumerated().map { ($1, $0 + 1) }))
        var dow = try Self.parseField(fields[4], name: "day-of-week", range: 0...7,
                                      names: Dictionary(uniqueKeysWithValues: dayNames.enumerated().map { ($1, $0) }))
        if dow & (1 << 7) != 0 { dow = (dow | 1) & ~(1 << 7) }  // 7 is Sunday
        source = trimmed
        minutes = minute
        hours = UInt32(hour)
        daysOfMonth = UInt32(dom)
        months = UInt16(month)
        daysOfWeek = UInt8(dow)
        // Vixie's DOM_STAR, DOW_STAR, MIN_STAR and HR_STAR: the field's text starts with `*`.
        func starred(_ field: String) -> Bool { field.hasPrefix("*") || field.hasPrefix("?") }
        domRestricted = !starred(fields[2])
        dowRestricted = !starred(fields[4])
        isWildcard = starred(fields[0]) || starred(fields[1])
        self.timeZone = timeZone
    }

    private static func parseField(_ text: String, name: String, range: ClosedRange<Int>, names: [String: Int]) throws -> UInt64 {
        func value(_ s: Substring) throws -> Int {
            let lower = s.lowercased()
            if let v = names[lower] { return v }
            guard let v = Int(s), range.contains(v) else {
                throw ParseError(message: "cron \(name) field: '\(s)' is not a value in \(range.lowerBound)-\(range.upperBound)")
            }
            return v
        }
        var bits: UInt64 = 0
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            guard !part.isEmpty else { throw ParseError(message: "cron \(name) field '\(text)' has an empty list item") }
            let pieces = part.split(separator: "/", omittingEmptySubsequences: false)
            guard pieces.count <= 2 else { throw ParseError(message: "cron \(name) field: '\(part)' has more than one '/'") }
            var step = 1
            if pieces.count == 2 {
                guard let s = Int(pieces[1]), s > 0 else {
                    throw ParseError(message: "cron \(name) field: step '\(pieces[1])' must be a positive number")
                }
                step = s
            }
            let base = pieces[0]
            var lo: Int, hi: Int
            if base == "*" || base == "?" {
                lo = range.lowerBound; hi = range.upperBound
            } else if let dash = base.firstIndex(of: "-") {
                lo = try value(base[..<dash]); hi = try value(base[base.index(after: dash)...])
                guard lo <= hi else { throw ParseError(message: "cron \(name) field: range '\(base)' runs backwards") }
            } else {
                lo = try value(base)
                // "a/n" means a, a+n, … to the end; a day of the week ends
                // at Saturday (7 is Sunday only when written).
                hi = pieces.count == 2 ? (name == "day-of-week" ? 6 : range.upperBound) : lo
            }
            var v = lo
            // A step past the range's end stops after one value (`1/9223372036854775807`
            // is `1`), and cannot overflow.
            while v <= hi {
                bits |= 1 << UInt64(v)
                let (next, overflow) = v.addingReportingOverflow(step)
                if overflow { break }
                v = next
            }
        }
        return bits
    }

    func dayMatches(year: Int, month: Int, day: Int) -> Bool {
        let domOK = daysOfMonth & (1 << UInt32(day)) != 0
        let dowOK = daysOfWeek & (1 << UInt8(Self.weekday(year: year, month: month, day: day))) != 0
        if domRestricted && dowRestricted { return domOK || dowOK }
        return domOK && dowOK
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// 0 = Sunday (Sakamoto's method).
    static func weekday(year: Int, month: Int, day: Int) -> Int {
        let t = [0, 3, 2, 5, 0, 3, 5, 1, 4, 6, 2, 4]
        let y = month < 3 ? year - 1 : year
        return (y + y / 4 - y / 100 + y / 400 + t[month - 1] + day) % 7
    }
}
