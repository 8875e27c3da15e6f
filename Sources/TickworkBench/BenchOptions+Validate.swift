import Tickwork

/// The ranges of the benchmark's settings, named as `tickwork bench` spells
/// them: the command checks a person's values here, and `BenchRunner.run`
/// checks again (a library caller gets the same message, never a trap).
extension BenchOptions {
    /// The most jobs a bench takes, memory allowing (the contract goes to 1 M).
    public static let maximumJobs = 20_000_000

    static let period = (min: 0.000_001, max: 31_536_000.0)
    static let pmin = SecondsInput("--pmin", period.min...period.max)
    static let pmax = SecondsInput("--pmax", period.min...period.max)
    static let duration = SecondsInput("--duration", 0...31_536_000, excludingLowerBound: true)
    static let grace = SecondsInput("--grace", 0...3600)

    /// Throws the first value out of range (a `UsageError` naming the option).
    public func validate() throws(UsageError) {
        _ = try CountInput("--jobs", 1...Self.maximumJobs).check(jobs)
        _ = try Self.pmin.duration(pmin)
        _ = try Self.pmax.duration(pmax)
        guard pmax >= pmin else { throw UsageError("--pmax must be at least --pmin (got \(pmax) < \(pmin))") }
        _ = try CountInput("--workers", 1...256).check(workers)
        _ = try Self.duration.duration(durationS)
        _ = try CountInput("--work-us", 0...10_000_000).check(workMicros)
        _ = try Self.grace.duration(graceS)
        guard observeHz.isFinite, (0...1000).contains(observeHz) else {
            throw UsageError("--observe-hz must be 0…1000 (got \(observeHz))")
        }
        _ = try CountInput("timer resolution shift", 10...30).check(timerResolutionShift)
        if let refusal = SystemMemory.refusal(jobs: jobs, option: "--jobs") { throw UsageError(refusal) }
    }
}
