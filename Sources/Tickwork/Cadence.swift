/// The pure arithmetic of "when is the next run due", kept apart from threads
/// and locks so every rule is tested with plain numbers.
public enum Cadence {
    /// The outcome of planning the run after one that was due at `due` and
    /// ended at `end` on a fixed-rate grid.
    public struct Plan: Equatable, Sendable {
        /// The grid tick the next run belongs to (lateness is measured from it).
        public var nextDue: Int64
        /// Ticks that passed and will not be run.
        public var missed: Int
    }

    /// Fixed rate. `due` is the tick just run (the grid is every `p` from
    /// it); `end` is when that run ended (the earliest the job may run again).
    /// `.reanchor` returns `end` itself: the grid then continues from there.
    public static func fixedRate(period p: Int64, policy: MissedTickPolicy, due: Int64, end: Int64) -> Plan {
        let candidate = due + p
        if candidate > end { return Plan(nextDue: candidate, missed: 0) }
        // m ≥ 1 ticks (due+p … due+m·p) passed while the job could not run.
        let m = Int((end - due) / p)
        switch policy {
        case .skip:
            return Plan(nextDue: due + Int64(m + 1) * p, missed: m)
        case .runOnceLate:
            return Plan(nextDue: due + Int64(m) * p, missed: m - 1)
        case .reanchor:
            return Plan(nextDue: end, missed: m - 1)
        case .catchUp:
            return Plan(nextDue: candidate, missed: 0)
        }
    }

    /// The tick to run after a pause that ended at `now`. Ticks that passed
    /// while paused are not misses (a person asked for them not to run); only
    /// `.catchUp` runs them, because that policy asks for every tick.
    public static func resumeFixedRate(period p: Int64, policy: MissedTickPolicy, pendingDue: Int64, now: Int64) -> Plan {
        if pendingDue >= now { return Plan(nextDue: pendingDue, missed: 0) }
        switch policy {
        case .catchUp:
            return Plan(nextDue: pendingDue, missed: 0)
        case .skip:
            let k = (now - pendingDue + p - 1) / p
            return Plan(nextDue: pendingDue + k * p, missed: 0)
        case .runOnceLate:
            let k = (now - pendingDue) / p  // latest tick ≤ now
            return Plan(nextDue: pendingDue + k * p, missed: 0)
        case .reanchor:
            return Plan(nextDue: now, missed: 0)
        }
    }

    /// Exponential back-off after `failures` consecutive failures:
    /// initial · 2^(failures-1), capped.
    static func backoff(failures: Int, initial: Int64, cap: Int64) -> Int64 {
        guard failures > 0, initial > 0 else { return 0 }
        let exponent = Swift.min(failures - 1, 62)
        let (v, overflow) = initial.multipliedReportingOverflow(by: Int64(1) << Int64(exponent))
        return overflow ? cap : Swift.min(v, cap)
    }

    /// A deterministic jitter in [0, bound] for run `run` of job `id`
    /// (SplitMix64 finaliser of the pair): no shared RNG, no lock.
    static func jitter(bound: Int64, id: UInt64, run: UInt64) -> Int64 {
        guard bound > 0 else { return 0 }
        var z = id &* 0x9E37_79B9_7F4A_7C15 &+ run &* 0xD1B5_4A32_D192_ED03
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        return Int64(z % UInt64(bound + 1))
    }
}
