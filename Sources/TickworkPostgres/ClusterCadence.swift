import Foundation
import Tickwork
import TickworkJobFile

/// When a shared job's ticks fall, in microseconds of UTC on the
/// database's clock: the same rules the engine applies on one machine
/// (`Cadence.fixedRate`, `CronCadence.plan`), so a tick missed while no
/// node could claim it goes through the job's missed-tick policy.
public enum ClusterCadence {
    /// Kinds a cluster can share: a fixed delay is measured from a run's
    /// end on one machine, which no other node sees in time.
    public static func refusal(_ entry: JobEntry) -> String? {
        if case .fixedDelay = entry.when { return "job \"\(entry.name)\": fixed_delay cannot be shared among machines (use every: or cron:)" }
        return nil
    }

    /// The first tick of a job scheduled from `nowUs`.
    public static func first(_ entry: JobEntry, nowUs: Int64) -> Int64? {
        switch entry.when {
        case .every(_, let startAfter): return nowUs + (startAfter ?? 0) / 1000
        case .fixedDelay(_, let startAfter): return nowUs + (startAfter ?? 0) / 1000
        case .after(let delay): return nowUs + delay / 1000
        case .at(let date): return Int64((date.timeIntervalSince1970 * 1e6).rounded())
        case .cron:
            guard let expr = cron(entry), let next = expr.nextFireNs(after: nowUs * 1000) else { return nil }
            return next / 1000
        }
    }

    /// The tick after `dueUs`, claimed at `nowUs`; nil when there is none
    /// (a one-time job). Ticks that passed meanwhile follow `missed:`.
    public static func after(_ entry: JobEntry, dueUs: Int64, nowUs: Int64) -> (next: Int64?, missed: Int) {
        switch entry.when {
        case .every(let period, _):
            let plan = Cadence.fixedRate(period: period, policy: entry.missed ?? .skip, due: dueUs * 1000, end: nowUs * 1000)
            return (plan.nextDue / 1000, plan.missed)
        case .cron:
            guard let expr = cron(entry), let pending = expr.nextFireNs(after: dueUs * 1000),
                  let plan = CronCadence.plan(expr, policy: entry.missed ?? .runOnceLate, pending: pending, now: nowUs * 1000) else {
                return (nil, 0)
            }
            return ((plan.runNow ? nowUs * 1000 : plan.tick) / 1000, plan.missed)
        case .fixedDelay, .after, .at: return (nil, 0)
        }
    }

    static func cron(_ entry: JobEntry) -> CronExpression? {
        guard case .cron(let text, let zone) = entry.when else { return nil }
        return try? CronExpression(parsing: text, timeZone: zone.flatMap(TimeZone.init(identifier:)) ?? .current)
    }
}
