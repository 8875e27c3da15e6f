import Foundation
import Tickwork

/// When a job of a file will run: its next due instants from a moment on,
/// as `systemd-analyze calendar --iterations=N` shows a timer's.
public enum NextRuns {
    /// Up to `count` instants at or after `from`; for a fixed delay only the
    /// first can be known (the rest follow each run's end), and a one-time
    /// job has one.
    public static func instants(of job: JobEntry, from: Date, count: Int) -> [Date] {
        switch job.when {
        case .every(let period, let startAfter):
            let first = from.addingTimeInterval(Double(startAfter ?? 0) / 1e9)
            return (0..<count).map { first.addingTimeInterval(Double($0) * Double(period) / 1e9) }
        case .fixedDelay(_, let startAfter):
            return [from.addingTimeInterval(Double(startAfter ?? 0) / 1e9)]
        case .after(let delay):
            return [from.addingTimeInterval(Double(delay) / 1e9)]
        case .at(let date):
            return date >= from ? [date] : []
        case .cron(let text, let zone):
            let tz = zone.flatMap(TimeZone.init(identifier:)) ?? .current
            guard let expr = try? CronExpression(parsing: text, timeZone: tz) else { return [] }
            return instants(of: expr, after: from, count: count)
        }
    }

    /// The next `count` fire times of a cron expression strictly after `after`.
    public static func instants(of expr: CronExpression, after: Date, count: Int) -> [Date] {
        var out: [Date] = []
        var t = after
        while out.count < count, let next = expr.nextFire(after: t) {
            out.append(next)
            t = next
        }
        return out
    }

    /// What follows the listed instants, for schedules that are not a list.
    public static func note(for job: JobEntry) -> String? {
        switch job.when {
        case .fixedDelay(let delay, _): return "then \(formatNanoseconds(delay)) after each run ends"
        case .after, .at: return "once"
        default: return nil
        }
    }

    /// `2026-12-01T09:00:00.000Z`.
    public static func utcText(_ date: Date) -> String {
        // Nanoseconds since 1970 fit an Int64 until 2262; past that, seconds.
        if let ns = Int64(exactly: (date.timeIntervalSince1970 * 1e9).rounded()) { return rfc3339(unixNs: ns) }
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        return f.string(from: date)
    }

    /// `2026-12-01 10:00:00 CET` in `zone`.
    public static func localText(_ date: Date, zone: TimeZone) -> String {
        wallText(date, zone: zone, format: "yyyy-MM-dd HH:mm:ss zzz")
    }

    /// `date` in `zone` with a fixed-locale `format`.
    static func wallText(_ date: Date, zone: TimeZone, format: String) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = zone
        f.dateFormat = format
        return f.string(from: date)
    }
}

extension JobEntry {
    /// The schedule as written: `every 10s`, `cron "0 3 * * *" (Europe/Berlin)`.
    public var scheduleText: String {
        switch when {
        case .every(let p, let s): return "every \(formatNanoseconds(p))" + (s.map { ", first after \(formatNanoseconds($0))" } ?? "")
        case .fixedDelay(let d, let s): return "fixed_delay \(formatNanoseconds(d))" + (s.map { ", first after \(formatNanoseconds($0))" } ?? "")
        case .cron(let text, let zone): return "cron \"\(text)\"" + (zone.map { " (\($0))" } ?? "")
        case .after(let d): return "once after \(formatNanoseconds(d))"
        case .at(let date): return "once at \(NextRuns.utcText(date))"
        }
    }

    /// How it retries, for `tickwork check`: `, retries 3 (back-off 10s…5m)`
    /// (empty without).
    public var retriesText: String {
        var text = retries > 0 ? ", retries \(retries) (back-off \(formatNanoseconds(backoffNs))…\(formatNanoseconds(backoffMaxNs)))" : ""
        if let n = giveUpAfter { text += ", gives up after \(n) failures in a row" }
        return text
    }
}
