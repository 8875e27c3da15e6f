import ArgumentParser
import Foundation
import TickworkBench

/// `tickwork bench`: the engine benchmark on the fixed contract workload.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Run the benchmark workload (shared/bench-contract.md) and print one JSON line.",
        discussion: """
        N periodic jobs with periods uniform in [pmin, pmax] seconds and random phases (SplitMix64, \
        seeded) run on a fixed-rate grid on W worker threads. Lateness of runs due in the measurement \
        window is recorded; the JSON line on stdout carries runs vs expected, lateness percentiles, \
        CPU and peak RSS.
        """
    )

    @Option(parsing: .unconditional, help: "Number of jobs.") var jobs = 1000
    @Option(parsing: .unconditional, help: "Shortest period, seconds.") var pmin = 0.5
    @Option(parsing: .unconditional, help: "Longest period, seconds.") var pmax = 5.0
    @Option(parsing: .unconditional, help: "Worker threads.") var workers = 4
    @Option(parsing: .unconditional, help: "Measurement window, seconds.") var duration = 10.0
    @Option(name: .customLong("work-us"), parsing: .unconditional, help: "Busy-spin per run, microseconds.") var workUs = 0
    @Option(parsing: .unconditional, help: "RNG seed.") var seed: UInt64 = 1
    @Option(parsing: .unconditional, help: "Grace after the window, seconds.") var grace = 1.0
    @Option(name: .customLong("timer-resolution-us"), parsing: .unconditional,
            help: "Tickwork's own: timer wheel slot (leeway), rounded to a power of two ns. Default: the engine's (≈524).")
    var timerResolutionUs: Double?
    @Option(name: .customLong("observe-hz"), parsing: .unconditional,
            help: "Tickwork's own: observe the engine N times a second during the run, as a dashboard would, and report the time it took (adds an \"observe\" object). Default: off.")
    var observeHz: Double = 0

    func validate() throws {
        guard jobs >= 1 else { throw ValidationError("--jobs must be at least 1 (got \(jobs))") }
        guard pmin > 0, pmax >= pmin else { throw ValidationError("need 0 < --pmin ≤ --pmax (got \(pmin), \(pmax))") }
        guard workers >= 1, workers <= 256 else { throw ValidationError("--workers must be 1…256 (got \(workers))") }
        guard duration > 0 else { throw ValidationError("--duration must be positive (got \(duration))") }
        guard workUs >= 0 else { throw ValidationError("--work-us cannot be negative") }
        guard grace >= 0 else { throw ValidationError("--grace cannot be negative") }
        guard observeHz >= 0, observeHz <= 1000 else { throw ValidationError("--observe-hz must be 0…1000 (got \(observeHz))") }
        if let r = timerResolutionUs, !(1...1_000_000).contains(r) {
            throw ValidationError("--timer-resolution-us must be 1…1000000 (got \(r))")
        }
    }

    func run() throws {
        var o = BenchOptions()
        o.jobs = jobs; o.pmin = pmin; o.pmax = pmax; o.workers = workers; o.durationS = duration
        o.workMicros = workUs; o.seed = seed; o.graceS = grace; o.observeHz = observeHz
        if let r = timerResolutionUs {
            o.timerResolutionShift = min(30, max(10, Int((log2(r * 1000)).rounded())))
        }
        FileHandle.standardError.write(Data("tickwork bench: \(jobs) jobs, \(workers) workers, \(duration)s window…\n".utf8))
        let result = try BenchRunner.run(o)
        print(result.jsonLine)
    }
}
