import Foundation
import Tickwork

/// The text forms of a job file's values: durations, sizes, instants.
/// Each returns the value or a message saying what is expected.
enum ValueText {
    static let durationUnits: [(String, Double)] = [
        ("ms", 1e6), ("us", 1e3), ("µs", 1e3), ("ns", 1), ("s", 1e9), ("m", 60e9), ("h", 3600e9), ("d", 86_400e9),
    ]
    static let durationHint = "a duration such as 250ms, 5s, 2m, 1h or 1h30m"

    /// `250ms`, `5s`, `1.5s`, `2m`, `1h30m`, `1d` → nanoseconds (at most
    /// the engine's longest span, 100 years).
    static func duration(_ text: String) -> Result<Int64, ValueProblem> {
        let s = text.trimmingCharacters(in: .whitespaces)
        if s.isEmpty { return .failure("expected \(durationHint)") }
        if Double(s) != nil { return .failure("\"\(s)\" has no unit: write \(s)s, \(s)m or \(s)ms") }
        var total = 0.0
        var rest = Substring(s)
        while !rest.isEmpty {
            let number = rest.prefix { $0.isASCII && ($0.isNumber || $0 == ".") }
            guard !number.isEmpty, let value = Double(number) else { return .failure("\"\(s)\" is not \(durationHint)") }
            rest = rest.dropFirst(number.count).drop { $0 == " " }
            let letters = rest.prefix { $0.isLetter }
            guard let unit = durationUnits.first(where: { $0.0 == String(letters) }) else {
                return .failure(letters.isEmpty ? "\"\(s)\" has a number with no unit" : "unknown unit \"\(letters)\" in \"\(s)\" (units: ms, s, m, h, d)")
            }
            rest = rest.dropFirst(letters.count).drop { $0 == " " }
            total += value * unit.1
        }
        let longest = Double(Schedule.longestSpan.components.seconds) * 1e9
        guard total <= longest else { return .failure("\"\(s)\" is longer than the longest span, 100 years") }
        return .success(Int64(total.rounded()))
    }

    static let sizeUnits: [(String, Int)] = [("KiB", 1024), ("MiB", 1 << 20), ("KB", 1000), ("MB", 1_000_000), ("k", 1024), ("B", 1)]

    /// `65536`, `64KiB`, `1MiB` → bytes.
    static func size(_ text: String) -> Result<Int, ValueProblem> {
        let s = text.trimmingCharacters(in: .whitespaces)
        let digits = s.prefix { $0.isASCII && $0.isNumber }
        let unitText = s.dropFirst(digits.count).trimmingCharacters(in: .whitespaces)
        guard let n = Int(digits), digits.count <= 12 else { return .failure("\"\(s)\" is not a size such as 65536, 64KiB or 1MiB") }
        if unitText.isEmpty { return .success(n) }
        guard let unit = sizeUnits.first(where: { $0.0 == unitText }) else {
            return .failure("unknown unit \"\(unitText)\" in \"\(s)\" (units: B, KiB, MiB, KB, MB)")
        }
        return .success(n * unit.1)
    }

    /// `2026-12-24T18:00`, `2026-12-24 18:00:30`, with an optional `Z` or
    /// `+01:00`; without one, in `zone`.
    static func instant(_ text: String, zone: TimeZone) -> Result<Date, ValueProblem> {
        let s = text.trimmingCharacters(in: .whitespaces)
        let pattern = #"^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2}))?(Z|[+-]\d{2}:?\d{2})?$"#
        let hint = "an instant such as 2026-12-24T18:00 (local time) or 2026-12-24T18:00:00Z"
        guard let m = s.wholeMatch(of: try! Regex(pattern)) else { return .failure("\"\(s)\" is not \(hint)") }
        func int(_ i: Int) -> Int? { m.output[i].substring.flatMap { Int($0) } }
        var parts = DateComponents()
        parts.year = int(1); parts.month = int(2); parts.day = int(3)
        parts.hour = int(4); parts.minute = int(5); parts.second = int(6) ?? 0
        guard let month = parts.month, (1...12).contains(month), let day = parts.day, (1...31).contains(day),
              let hour = parts.hour, hour < 24, let minute = parts.minute, minute < 60, parts.second! < 60 else {
            return .failure("\"\(s)\" has a field out of range")
        }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        if let offset = m.output[7].substring {
            if offset == "Z" { calendar.timeZone = TimeZone(secondsFromGMT: 0)! } else {
                let digits = offset.filter(\.isNumber)
                let seconds = (Int(digits.prefix(2))! * 3600 + Int(digits.suffix(2))! * 60) * (offset.first == "-" ? -1 : 1)
                guard let tz = TimeZone(secondsFromGMT: seconds) else { return .failure("\"\(offset)\" is not a UTC offset") }
                calendar.timeZone = tz
            }
        }
        guard let date = calendar.date(from: parts), calendar.component(.day, from: date) == day else {
            return .failure("\"\(s)\" is not a day of the calendar")
        }
        return .success(date)
    }

    /// `true`/`false` (and YAML's yes/no, on/off).
    static func bool(_ text: String) -> Bool? {
        switch text.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default: return nil
        }
    }
}

/// What is wrong with one value's text (a message for a person).
struct ValueProblem: Error, ExpressibleByStringInterpolation, CustomStringConvertible {
    let description: String
    init(stringLiteral value: String) { description = value }
    init(stringInterpolation: DefaultStringInterpolation) { description = String(stringInterpolation: stringInterpolation) }
}
