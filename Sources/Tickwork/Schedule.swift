/// What a fixed-rate job does when ticks of its grid pass while it could not
/// run (it was still running, or waited in a queue, or the engine was busy).
/// Every tick that is not run is counted as a miss; none is dropped silently.
public enum MissedTickPolicy: String, Sendable, CaseIterable, Codable {
    /// Skip to the next future tick of the grid (default; APScheduler's
    /// coalesce + misfire, tokio's `Skip`).
    case skip
    /// Run once at once for the latest missed tick, then resume the grid
    /// (Quartz's FIRE_ONCE_NOW, systemd's `Persistent=`).
    case runOnceLate
    /// Run at once and re-anchor the grid at that moment: the period is then
    /// measured from there (tokio's `Delay`).
    case reanchor
    /// Run every missed tick, back to back, until caught up (Java's
    /// `scheduleAtFixedRate`, tokio's `Burst`). The benchmark contract uses it.
    case catchUp
}

/// When a job runs. Build one with the static constructors, then refine it
/// with `startingAfter(_:)` and `jittered(upTo:)`.
public struct Schedule: Sendable, CustomStringConvertible {
    enum Kind: Sendable {
        case fixedRate(period: Int64, policy: MissedTickPolicy)
        case fixedDelay(delay: Int64)
        case once(after: Int64)
        case onceAt(monotonicNs: Int64)
        case adaptive(first: Int64)
        indirect case cron(CronExpression, policy: MissedTickPolicy)
    }

    var kind: Kind
    /// Delay before the first run (fixed rate, fixed delay); nil means "at once".
    var initialDelayNs: Int64?
    /// Upper bound of a random delay added to every due time (the grid itself
    /// does not move). Deterministic per job and run, so tests can rely on it.
    var jitterNs: Int64 = 0
    /// An absolute first due time (monotonic ns), overriding `initialDelayNs`.
    var firstAtNs: Int64?
    /// The last tick an earlier life of this job ran for (wall clock, unix
    /// ns): the first run goes on from there through the missed-tick policy.
    var resumeAfterTickWallNs: Int64?

    /// The longest period, delay or jitter a schedule takes: 100 years. Far
    /// beyond any real schedule, and small enough that adding it to any
    /// instant of a monotonic clock cannot overflow.
    public static let longestSpan: Duration = .seconds(100 * 365 * 86_400)
    static let longestSpanNs: Int64 = longestSpan.nanoseconds

    /// Fixed rate on an exact grid: run k is due at first + k·period (zero
    /// cumulative drift). A run never overlaps the previous one; `missed`
    /// decides what happens to ticks that pass meanwhile.
    public static func every(_ period: Duration, missed: MissedTickPolicy = .skip) -> Schedule {
        Schedule(kind: .fixedRate(period: period.nanoseconds, policy: missed))
    }

    /// Fixed delay: the next run is due `delay` after the previous run ended.
    public static func fixedDelay(_ delay: Duration) -> Schedule {
        Schedule(kind: .fixedDelay(delay: delay.nanoseconds))
    }

    /// One run, `delay` after submission.
    public static func once(after delay: Duration = .zero) -> Schedule {
        Schedule(kind: .once(after: Swift.max(0, delay.nanoseconds)))
    }

    /// One run at a monotonic instant (nanoseconds of the engine's clock).
    public static func once(atMonotonicNanoseconds instant: Int64) -> Schedule {
        Schedule(kind: .onceAt(monotonicNs: instant))
    }

    /// The body decides: each run calls `ctx.runAgain(after:)` or `ctx.retire()`
    /// (seed 000's objects that refresh at their own changing interval).
    /// `first` is the delay before the first run.
    public static func adaptive(first: Duration = .zero) -> Schedule {
        Schedule(kind: .adaptive(first: Swift.max(0, first.nanoseconds)))
    }

    /// A 5-field cron expression, in the local time zone unless the
    /// expression was built with another. Its due times follow the wall
    /// clock: when the clock is set or the machine resumes from suspend,
    /// every cron job is planned again from the new time. `missed` decides
    /// what happens to fire times that passed unseen (a suspend, a clock
    /// step forward, a run still going): by default one run at once for
    /// them, as a systemd timer does on resume; `.skip` waits for the next
    /// fire time; `.catchUp` runs each in turn; `.reanchor` is
    /// `.runOnceLate` (a calendar has no grid to move).
    public static func cron(_ expression: CronExpression, missed: MissedTickPolicy = .runOnceLate) -> Schedule {
        Schedule(kind: .cron(expression, policy: missed))
    }

    /// Parses a 5-field cron expression (minute hour day-of-month month day-of-week).
    public static func cron(_ text: String, missed: MissedTickPolicy = .runOnceLate) throws -> Schedule {
        Schedule(kind: .cron(try CronExpression(parsing: text), policy: missed))
    }

    /// The first run waits `delay` (fixed rate, fixed delay).
    public func startingAfter(_ delay: Duration) -> Schedule {
        var copy = self
        copy.initialDelayNs = Swift.max(0, delay.nanoseconds)
        return copy
    }

    /// The first run is due at a monotonic instant (fixed rate, fixed delay):
    /// how the benchmark contract places each job's phase.
    public func startingAt(monotonicNanoseconds instant: Int64) -> Schedule {
        var copy = self
        copy.firstAtNs = instant
        return copy
    }

    /// Goes on from the tick an earlier process last ran this job for
    /// (wall clock, unix ns; a restart with a state file): fixed-rate and
    /// cron jobs keep their grid, and ticks that fell due meanwhile go
    /// through the missed-tick policy as if the job could not run —
    /// `.skip` waits for the next tick, `.runOnceLate` runs once at once
    /// (systemd's `Persistent=true`), `.catchUp` runs each, `.reanchor`
    /// runs at once and measures from there. Other kinds start as usual.
    public func resuming(afterTickAtWallNanoseconds tick: Int64) -> Schedule {
        var copy = self
        copy.resumeAfterTickWallNs = tick
        return copy
    }

    /// Adds a random delay in [0, bound] to every due time.
    public func jittered(upTo bound: Duration) -> Schedule {
        var copy = self
        copy.jitterNs = Swift.max(0, bound.nanoseconds)
        return copy
    }

    /// Throws what is wrong with the schedule: a period that is not
    /// positive, a negative delay, a span past `longestSpan`. `submit` checks
    /// every job's schedule this way, so the constructors need no `try`.
    public func validate() throws(EngineError) {
        if isPlainlyValid { return }   // a million submissions check this; the message is for the rare rest
        let longest = Self.longestSpanNs
        func check(_ ns: Int64, _ what: String, positive: Bool = false) throws(EngineError) {
            if positive && ns <= 0 { throw .invalidSchedule("\(what) must be positive (got \(formatNanoseconds(ns)))") }
            if ns < 0 { throw .invalidSchedule("\(what) cannot be negative (got \(formatNanoseconds(ns)))") }
            if ns > longest { throw .invalidSchedule("\(what) must be at most 100 years (got \(formatNanoseconds(ns)))") }
        }
        switch kind {
        case .fixedRate(let period, _): try check(period, "a period", positive: true)
        case .fixedDelay(let delay): try check(delay, "a delay")
        case .once(let after): try check(after, "a delay")
        case .adaptive(let first): try check(first, "a first delay")
        case .onceAt, .cron: break
        }
        if let d = initialDelayNs { try check(d, "a start delay") }
        try check(jitterNs, "a jitter")
    }

    /// Every figure in range (what `validate()` checks, without a message).
    @inline(__always) var isPlainlyValid: Bool {
        let longest = Self.longestSpanNs
        guard jitterNs >= 0 && jitterNs <= longest else { return false }
        if let d = initialDelayNs, d < 0 || d > longest { return false }
        switch kind {
        case .fixedRate(let period, _): return period > 0 && period <= longest
        case .fixedDelay(let d), .once(let d), .adaptive(let d): return d >= 0 && d <= longest
        case .onceAt, .cron: return true
        }
    }

    /// True for schedules that run more than once.
    public var isRecurring: Bool {
        switch kind {
        case .once, .onceAt: return false
        default: return true
        }
    }

    /// The order by schedule, as one number: by kind (every, delay,
    /// adaptive, cron, once, once at), then by period, delay or first run
    /// (adaptive jobs by id)
    /// (a cron job by the first 7 bytes of its expression, which groups
    /// equal ones). A number, not the shown text: a million schedules'
    /// texts took half a second to make, and "every 2m" sorted before
    /// "every 30s" as text.
    static func orderKey(_ kind: Kind) -> Int64 {
        let span: Int64
        let rank: Int64
        switch kind {
        case .fixedRate(let p, _): (rank, span) = (0, p)
        case .fixedDelay(let d): (rank, span) = (1, d)
        // Its first delay is not shown (the column reads `adaptive`): by id among them.
        case .adaptive: (rank, span) = (2, 0)
        case .cron(let c, _):
            rank = 3
            span = c.source.utf8.prefix(7).reduce(Int64(0)) { $0 << 8 | Int64($1) } << Int64(8 * (7 - Swift.min(7, c.source.utf8.count)))
        case .once(let d): (rank, span) = (4, d)
        case .onceAt(let at): (rank, span) = (5, at)
        }
        // Six kinds in the top bits, the span below (clamped: 2^60 ns is 36 years).
        return rank << 60 | Swift.min(Swift.max(span, 0), (1 << 60) - 1)
    }

    public var description: String {
        var text: String
        switch kind {
        case .fixedRate(let p, let policy):
            text = "every \(formatNanoseconds(p))" + (policy == .skip ? "" : " (\(policy.rawValue))")
        case .fixedDelay(let d): text = "delay \(formatNanoseconds(d))"
        case .once(let d): text = d == 0 ? "once" : "once in \(formatNanoseconds(d))"
        case .onceAt: text = "once at instant"
        case .adaptive: text = "adaptive"
        case .cron(let c, let policy): text = "cron \(c.source)" + (policy == .runOnceLate ? "" : " (\(policy.rawValue))")
        }
        if jitterNs > 0 { text += " ±\(formatNanoseconds(jitterNs))" }
        return text
    }
}
