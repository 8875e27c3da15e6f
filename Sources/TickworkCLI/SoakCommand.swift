#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import Foundation
import Tickwork
import TickworkDemos
import TickworkTerminal

/// `tickwork soak`: the demos for a long while, watched for leaks. A line
/// of RSS, threads, descriptors and zombies every interval, then each
/// figure's slope after the warm-up. The engine is observed as a dashboard
/// observes it (a snapshot and a page of the task list, ten times a
/// second), so what a dashboard costs over time is measured too.
struct SoakCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "soak",
        abstract: "Run the demos for a long while and print memory, threads, descriptors and zombies with their slopes.",
        discussion: """
        Exits 1 when the resident memory grows faster than --max-rss-slope after the warm-up, \
        or threads, descriptors or zombies reach a new high in the second half of it. With --scale-cycles, first starts and stops \
        the scale demo that many times (as its menu entry does) and prints the memory after each stop.
        """)

    @Option(parsing: .unconditional, help: "How long to run, in minutes (0…10080; 0: only the scale cycles).")
    var minutes = 20.0
    @Option(parsing: .unconditional, help: "Minutes at the start left out of the slopes (0…10080, less than --minutes).")
    var warmup = 2.0
    @Option(parsing: .unconditional, help: "Seconds between lines (1…3600).")
    var interval = 10.0
    @Option(name: .customLong("demo"), help: "A demo to run (repeatable). Default: every demo but scale.")
    var demos: [String] = []
    @Option(name: .customLong("scale-cycles"), parsing: .unconditional, help: "Start and stop the scale demo this many times first (0…1000).")
    var scaleCycles = 0
    @Option(name: .customLong("max-rss-slope"), parsing: .unconditional, help: "The RSS slope that passes, in MB per hour (0…1000000).")
    var maxRSSSlope = 1.0
    @Option(parsing: .unconditional, help: "Seed for the demos' random draws.")
    var seed: UInt64?

    static let intervalRange = SecondsInput("--interval", 1...3600)

    func validate() throws {
        for (name, value) in [("--minutes", minutes), ("--warmup", warmup)] where !(value.isFinite && (0...10_080).contains(value)) {
            throw ValidationError("\(name) must be 0…10080 minutes (got \(value))")
        }
        do {
            _ = try Self.intervalRange.duration(interval)
            _ = try CountInput("--scale-cycles", 0...1000).check(scaleCycles)
        } catch { throw ValidationError(error.message) }
        if minutes > 0 && warmup >= minutes { throw ValidationError("--warmup must be less than --minutes (got \(warmup) and \(minutes))") }
        guard maxRSSSlope.isFinite, (0...1_000_000).contains(maxRSSSlope) else {
            throw ValidationError("--max-rss-slope must be 0…1000000 MB/h (got \(maxRSSSlope))")
        }
        for name in demos where DemoCatalog.named(name) == nil {
            throw ValidationError("unknown demo '\(name)'; the demos are: \(DemoCatalog.names.joined(separator: ", "))")
        }
    }

    func run() throws {
        SignalRelay.blockForProcess()
        let names = demos.isEmpty ? DemoCatalog.names.filter { $0 != "scale" } : demos
        let engine = try Engine(EngineConfiguration(workers: DemoHost.workers(for: names)))
        let host = DemoHost(engine: engine, settings: DemoSettings(seed: seed), growPool: true)
        let start = monotonicNanoseconds()
        let clock = { Double(monotonicNanoseconds() - start) / 1e9 }
        let observer = Observer(engine: engine)
        defer {
            host.stopAll(within: .seconds(3))
            _ = engine.shutdown(deadline: .seconds(5))
        }
        // A signal during the cycles ends the whole soak.
        if scaleCycles > 0 && !cycleScale(host: host, observer: observer) { return }
        guard minutes > 0 else { return }
        for name in names { try host.launch(name, poolSized: true) }
        print("soak: \(names.joined(separator: ", ")) on \(engine.workerCount) workers for \(Self.text(minutes)) min (warm-up \(Self.text(warmup)) min)")
        let samples = watch(observer: observer, seconds: minutes * 60, clock: clock)
        let begin = samples.first?.atSeconds ?? 0
        let verdict = SoakVerdict(samples: samples.filter { $0.atSeconds >= begin + warmup * 60 },
                                  maxRSSSlopeMBPerHour: maxRSSSlope)
        print(verdict.text)
        if !verdict.passed { throw ExitCode(1) }
    }

    /// Samples every interval until `seconds` pass or a signal comes,
    /// observing the engine in between; prints each sample.
    private func watch(observer: Observer, seconds: Double, clock: () -> Double) -> [ProcessSample] {
        var samples: [ProcessSample] = []
        let begin = clock()
        var nextSample = begin
        while seconds > 0 {
            let now = clock()
            if now >= nextSample {
                let s = ProcessProbe.sample(atSeconds: now)
                samples.append(s)
                let snapshot = observer.engine.snapshot()
                print(Self.line(s, since: begin) + " finished kept=\(snapshot.keptFinishedJobs) (\(Self.mb(snapshot.keptFinishedBytes)))"
                      + " last trim=\(formatNanoseconds(ProcessMemory.lastTrimDurationNs))")
                fflush(nil)
                nextSample += interval
                if now - begin >= seconds { break }
            }
            observer.observe()
            if Self.signalled(withinNanoseconds: 100_000_000) { break }
        }
        return samples
    }

    /// Starts and stops the scale demo `scaleCycles` times, printing the
    /// memory before, at its height and after each stop. Memory given back
    /// shows as a height that stays put: each cycle reuses the last one's.
    /// Returns false if a signal stopped them.
    private func cycleScale(host: DemoHost, observer: Observer) -> Bool {
        let baseline = ProcessProbe.residentBytes()
        print("scale cycles: before \(Self.mb(baseline))")
        for k in 1...scaleCycles {
            do { try host.launch("scale") } catch { print("scale cycle \(k): \(error)"); return true }
            let running = ProcessProbe.residentBytes()
            host.stopAll(within: .seconds(30))
            // A cancelled job's record goes when its next due instant
            // passes (the wheel holds it until then): at most the demo's
            // longest period, 10 s. A signal ends the cycles.
            if Self.signalled(within: 11) { print("scale cycles: stopped by a signal"); return false }
            observer.observe()
            print("scale cycle \(k): running \(Self.mb(running)), after stop \(Self.mb(ProcessProbe.residentBytes()))")
            fflush(nil)
        }
        return true
    }

    /// Waits `seconds` for SIGINT, SIGTERM or SIGHUP (blocked for the
    /// process, so taken here); true if one came.
    static func signalled(within seconds: Int) -> Bool { signalled(withinNanoseconds: Int64(seconds) * 1_000_000_000) }

    static func signalled(withinNanoseconds ns: Int64) -> Bool {
        var set = sigset_t()
        sigemptyset(&set)
        for s in [SIGINT, SIGTERM, SIGHUP] { sigaddset(&set, s) }
        var timeout = timespec(tv_sec: Int(ns / 1_000_000_000), tv_nsec: Int(ns % 1_000_000_000))
        return sigtimedwait(&set, nil, &timeout) > 0
    }

    static func line(_ s: ProcessSample, since begin: Double) -> String {
        "t=\(Int((s.atSeconds - begin).rounded()))s rss=\(mb(s.rssBytes)) (file \(mb(s.fileBytes))) heap=\(s.heapInUseBytes < 0 ? "?" : String(format: "%.3f MB", Double(s.heapInUseBytes) / 1e6)) threads=\(s.threads) fds=\(s.fds) zombies=\(s.zombies)"
    }
    static func mb(_ bytes: Int) -> String { String(format: "%.1f MB", Double(bytes) / 1e6) }
    static func text(_ v: Double) -> String { v == v.rounded() ? String(Int(v)) : String(v) }
}

/// Reads the engine as a dashboard does: a snapshot and a page of rows.
private struct Observer {
    let engine: Engine
    func observe() {
        _ = engine.snapshot()
        _ = engine.jobs(JobQuery(states: Set(JobState.allCases).subtracting([.cancelled, .retired]), limit: 40))
        _ = engine.jobs(JobQuery(sort: .nextDue, limit: 40))
    }
}

/// The slopes of a soak's samples after the warm-up, and whether they pass.
struct SoakVerdict {
    let rssMBPerHour: Double?
    let heapMBPerHour: Double?
    let threadsPerHour: Double?
    let fdsPerHour: Double?
    let zombiesPerHour: Double?
    /// The RSS less its file-backed pages: the heap's and the stacks' share.
    let anonMBPerHour: Double?
    let maxRSSSlopeMBPerHour: Double
    let span: Double
    /// Threads, descriptors and zombies that reached a new high in the
    /// second half (a count that only swings, as threads do while a
    /// written-off worker finishes, sets none).
    let grown: [String]

    init(samples: [ProcessSample], maxRSSSlopeMBPerHour: Double) {
        func perHour(_ value: (ProcessSample) -> Int, scale: Double = 1) -> Double? {
            Trend.slope(samples.map { ($0.atSeconds, Double(value($0)) / scale) }).map { $0 * 3600 }
        }
        rssMBPerHour = perHour(\.rssBytes, scale: 1e6)
        anonMBPerHour = perHour({ $0.rssBytes - $0.fileBytes }, scale: 1e6)
        heapMBPerHour = samples.contains { $0.heapInUseBytes < 0 } ? nil : perHour(\.heapInUseBytes, scale: 1e6)
        threadsPerHour = perHour(\.threads)
        fdsPerHour = perHour(\.fds)
        zombiesPerHour = perHour(\.zombies)
        self.maxRSSSlopeMBPerHour = maxRSSSlopeMBPerHour
        span = (samples.last?.atSeconds ?? 0) - (samples.first?.atSeconds ?? 0)
        let half = samples.count / 2
        func newHigh(_ value: (ProcessSample) -> Int) -> Bool {
            guard half > 0, let early = samples[..<half].map(value).max(), let late = samples[half...].map(value).max() else { return false }
            return late > early
        }
        grown = [("threads", newHigh(\.threads)), ("fds", newHigh(\.fds)), ("zombies", newHigh(\.zombies))].filter(\.1).map(\.0)
    }

    var passed: Bool {
        guard let rss = rssMBPerHour else { return false }
        return rss <= maxRSSSlopeMBPerHour && grown.isEmpty
    }

    var text: String {
        guard let rss = rssMBPerHour else { return "soak: too few samples after the warm-up for a slope" }
        func f(_ v: Double?) -> String { v.map { String(format: "%+.2f", $0) } ?? "–" }
        return "soak: slopes over the last \(Int(span)) s: rss \(f(rss)) MB/h (limit \(maxRSSSlopeMBPerHour); anonymous \(f(anonMBPerHour))), heap in use \(f(heapMBPerHour)) MB/h, "
            + "threads \(f(threadsPerHour))/h, fds \(f(fdsPerHour))/h, zombies \(f(zombiesPerHour))/h"
            + (grown.isEmpty ? "" : "; new highs late in the run: \(grown.joined(separator: ", "))")
            + ": " + (passed ? "pass" : "FAIL")
    }
}
