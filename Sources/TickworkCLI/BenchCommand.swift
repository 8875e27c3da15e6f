import ArgumentParser
import Foundation
import TickworkBench
import TickworkProcess

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

    @Option(parsing: .unconditional, help: "Number of jobs (1…20000000, memory allowing).") var jobs = 1000
    @Option(parsing: .unconditional, help: "Shortest period, seconds (0.000001…31536000).") var pmin = 0.5
    @Option(parsing: .unconditional, help: "Longest period, seconds (at least --pmin, at most 31536000).") var pmax = 5.0
    @Option(parsing: .unconditional, help: "Worker threads (1…256).") var workers = 4
    @Option(parsing: .unconditional, help: "Measurement window, seconds (more than 0, at most 31536000).") var duration = 10.0
    @Option(name: .customLong("work-us"), parsing: .unconditional, help: "Busy-spin per run, microseconds (0…10000000).") var workUs = 0
    @Option(parsing: .unconditional, help: "RNG seed.") var seed: UInt64 = 1
    @Option(parsing: .unconditional, help: "Grace after the window, seconds (0…3600).") var grace = 1.0
    @Option(name: .customLong("timer-resolution-us"), parsing: .unconditional,
            help: "Tickwork's own: timer wheel slot (leeway), rounded to a power of two ns. 1…1000000; default: the engine's (≈524).")
    var timerResolutionUs: Double?
    @Option(name: .customLong("observe-hz"), parsing: .unconditional,
            help: "Tickwork's own: observe the engine N times a second during the run, as a dashboard would, and report the time it took (adds an \"observe\" object). 0…1000; default: off.")
    var observeHz: Double = 0
    @Option(name: .customLong("command"), parsing: .remaining,
            help: "Tickwork's own: each run starts this command (everything after --command, no shell) and reaps it; adds a \"command\" object with failures and CPU per run (with children) against the bare spawn-and-reap floor measured first.")
    var command: [String] = []

    func validate() throws {
        if let r = timerResolutionUs, !(r.isFinite && (1...1_000_000).contains(r)) {
            throw ValidationError("--timer-resolution-us must be 1…1000000 (got \(r))")
        }
        do { try options.validate() } catch { throw ValidationError(error.message) }
        if command.isEmpty && CommandLine.arguments.last == "--command" {
            throw ValidationError("--command needs a program and its arguments (tickwork bench --command true)")
        }
        if !command.isEmpty {
            do { _ = try CommandRunner.spawnAndReapBare(commandSpec) } catch { throw ValidationError("--command: \(error)") }
        }
    }

    /// `--command` with the environment every job-file run starts from.
    var commandSpec: CommandSpec {
        CommandSpec(argv: command, environment: CommandEnvironment.build(inherited: CommandEnvironment.current(), job: [:], run: [:]))
    }

    /// The flags as the runner's options (ranges checked by `BenchOptions.validate()`).
    var options: BenchOptions {
        var o = BenchOptions()
        o.jobs = jobs; o.pmin = pmin; o.pmax = pmax; o.workers = workers; o.durationS = duration
        o.workMicros = workUs; o.seed = seed; o.graceS = grace; o.observeHz = observeHz
        if !command.isEmpty {
            let spec = commandSpec
            o.perRun = PerRunWork(label: command.joined(separator: " "),
                                  run: { (try? CommandRunner.run(spec))?.succeeded == true },
                                  floor: { (try? CommandRunner.spawnAndReapBare(spec)) == true })
        }
        if let r = timerResolutionUs, r.isFinite {
            o.timerResolutionShift = min(30, max(10, Int((log2(r * 1000)).rounded())))
        }
        return o
    }

    func run() throws {
        let o = options
        FileHandle.standardError.write(Data("tickwork bench: \(jobs) jobs, \(workers) workers, \(duration)s window…\n".utf8))
        let result = try BenchRunner.run(o)
        print(result.jsonLine)
    }
}
