import Foundation

/// Where a cron job goes next, in wall-clock time: a pure function of the
/// expression, the missed-tick policy, the fire time the job waits for and
/// the wall clock now. The engine applies it after each run and when the
/// wall clock moves; tests call it as a table.
public enum CronCadence {
    public struct Plan: Equatable, Sendable {
        /// The fire time (unix ns) the next run belongs to.
        public var tick: Int64
        /// Run at once (fire times passed unseen), not at `tick`.
        public var runNow: Bool
        /// Fire times that will not get a run of their own.
        public var missed: Int
    }

    /// Missed fire times are counted up to this many (a year of
    /// `* * * * *` is half a million).
    static let countCap = 10_000

    /// `pending` is the first fire time the job has not run for; nil if the
    /// expression never fires again.
    public static func plan(_ expr: CronExpression, policy: MissedTickPolicy, pending: Int64, now: Int64) -> Plan? {
        if pending > now { return Plan(tick: pending, runNow: false, missed: 0) }
        var count = 1
        var last = pending
        while count < countCap, let n = expr.nextFireNs(after: last), n <= now { count += 1; last = n }
        switch policy {
        case .skip:
            guard let next = expr.nextFireNs(after: now) else { return nil }
            return Plan(tick: next, runNow: false, missed: count)
        case .runOnceLate, .reanchor:
            // One run for the latest of them; the next fire is then the first after now.
            return Plan(tick: now, runNow: true, missed: count - 1)
        case .catchUp:
            return Plan(tick: pending, runNow: true, missed: 0)
        }
    }
}

extension CronExpression {
    /// `nextFire(after:)` in unix nanoseconds (fire times are whole seconds).
    public func nextFireNs(after ns: Int64) -> Int64? {
        let seconds = Double(ns.quotientAndRemainder(dividingBy: 1_000_000_000).quotient)
            + Double(ns % 1_000_000_000) / 1e9
        guard let d = nextFire(after: Date(timeIntervalSince1970: seconds)) else { return nil }
        return Int64(d.timeIntervalSince1970.rounded()) * 1_000_000_000
    }
}
