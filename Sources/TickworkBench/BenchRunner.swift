#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Synchronization
import Tickwork

/// Options of `tickwork bench` (the contract's, plus tickwork's own).
public struct BenchOptions: Sendable {
    public var jobs = 1000
    public var pmin = 0.5
    public var pmax = 5.0
    public var workers = 4
    public var durationS = 10.0
    public var workMicros = 0
    public var seed: UInt64 = 1
    public var graceS = 1.0
    /// Tickwork's own: log2 of the timer wheel slot in ns (the leeway).
    public var timerResolutionShift = EngineConfiguration().timerResolutionShift
    /// Tickwork's own: observe the engine this many times a second during the
    /// run, as a dashboard would (a snapshot and a 40-job window each time, a
    /// window sorted by next due once a second). 0: off (the contract run).
    public var observeHz = 0.0
    /// Tickwork's own: work each run does besides the spin (the command
    /// line's `--command` starts a process and reaps it); false: it failed.
    /// The CPU figures then include reaped children's.
    public var perRun: PerRunWork?
    public init() {}
}

/// What each run of a `bench --command` does, and its floor: the same
/// work done bare (no engine, no capture), to measure the engine's share.
public struct PerRunWork: Sendable {
    public var label: String
    public var run: @Sendable () -> Bool
    public var floor: @Sendable () -> Bool
    /// How many bare runs measure the floor.
    public var floorRuns = 200
    public init(label: String, run: @escaping @Sendable () -> Bool, floor: @escaping @Sendable () -> Bool) {
        self.label = label; self.run = run; self.floor = floor
    }
}

/// The per-run figures of a `bench --command` run.
public struct PerRunFigures: Sendable {
    public var label: String
    public var failures: Int
    /// CPU (Tickwork and its children) per bare spawn and reap, measured
    /// just before the run on the same machine, paced `floorGapMs` apart
    /// like the workload's runs.
    public var floorCPUPerRunMs: Double
    /// The same, back to back (warm caches: cheaper).
    public var floorBackToBackCPUPerRunMs: Double
    public var floorGapMs: Double
    /// CPU (Tickwork and its children) per run during the window.
    public var cpuPerRunMs: Double
}

/// The figures of one run, as the contract's JSON line carries them.
public struct BenchResult: Sendable {
    public var options: BenchOptions
    public var expectedRuns: Int
    public var runs: Int
    public var lateness: LatencyHistogram
    public var cpuS: Double
    public var cpuRunS: Double
    public var peakRSSMB: Double
    public var setupS: Double
    /// Observation timings (with `observeHz` > 0).
    public var observation: ObservationFigures?
    /// With `perRun`: failures and CPU per run against the floor.
    public var perRun: PerRunFigures?

    /// The one JSON line (keys in the contract's order).
    public var jsonLine: String {
        func num(_ v: Double) -> String {
            guard v.isFinite else { return "null" }
            return String(format: "%.6f", v).replacingOccurrences(of: #"\.?0+$"#, with: "", options: .regularExpression)
        }
        func ms(_ us: Double?) -> String { us.map { num($0 / 1000) } ?? "null" }
        let l = lateness
        var fields: [String] = [
            "\"peer\":\"tickwork\"", "\"jobs\":\(options.jobs)", "\"workers\":\(options.workers)",
            "\"duration_s\":\(num(options.durationS))", "\"pmin\":\(num(options.pmin))", "\"pmax\":\(num(options.pmax))",
            "\"work_us\":\(options.workMicros)", "\"seed\":\(options.seed)",
            "\"expected_runs\":\(expectedRuns)", "\"runs\":\(runs)",
            "\"lateness_ms\":{\"p50\":\(ms(l.percentileMicros(0.5))),\"p99\":\(ms(l.percentileMicros(0.99))),\"p999\":\(ms(l.percentileMicros(0.999))),\"max\":\(ms(l.count > 0 ? Double(l.maxMicros) : nil)),\"mean\":\(ms(l.meanMicros)),\"min\":\(ms(l.count > 0 ? Double(l.minMicros) : nil))}",
            "\"cpu_s\":\(num(cpuS))", "\"cpu_run_s\":\(num(cpuRunS))", "\"peak_rss_mb\":\(num(peakRSSMB))",
            "\"setup_s\":\(num(setupS))", "\"timer_resolution_us\":\(num(Double(Int64(1) << Int64(options.timerResolutionShift)) / 1000))",
        ]
        if let o = observation {
            var observe = ["\"hz\":\(num(options.observeHz))", "\"count\":\(o.count)"]
            func figure(_ name: String, _ h: LatencyHistogram) {
                observe.append("\"\(name)_ms_p50\":\(ms(h.percentileMicros(0.5)))")
                observe.append("\"\(name)_ms_max\":\(ms(h.count > 0 ? Double(h.maxMicros) : nil))")
            }
            figure("snapshot", o.snapshot)
            figure("window", o.window)
            for q in ObservationFigures.sortedQueries { figure(q.name, o.sorted[q.name] ?? LatencyHistogram()) }
            fields.append("\"observe\":{" + observe.joined(separator: ",") + "}")
        }
        if let r = perRun {
            let label = r.label.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            fields.append("\"command\":{\"argv\":\"\(label)\",\"failures\":\(r.failures),\"cpu_per_run_ms\":\(num(r.cpuPerRunMs)),"
                          + "\"floor_cpu_per_run_ms\":\(num(r.floorCPUPerRunMs)),\"floor_gap_ms\":\(num(r.floorGapMs)),"
                          + "\"floor_back_to_back_cpu_per_run_ms\":\(num(r.floorBackToBackCPUPerRunMs)),\"ratio\":\(num(r.cpuPerRunMs / r.floorCPUPerRunMs))}")
        }
        return "{" + fields.joined(separator: ",") + "}"
    }
}

/// Per-worker accumulators the job body writes to. Slot i is written only by
/// worker i's runs, under its own lock (uncontended), so TSan stays quiet.
/// Each slot is its own object: threads mutating different elements of one
/// Swift array would still be an exclusivity race.
final class BenchRecorders: @unchecked Sendable {
    final class Slot: @unchecked Sendable {
        let lock = Lock()
        var histogram = LatencyHistogram()
    }
    static let slots = 64  // a power of two; worker indices wrap into it
    private let slots = (0..<BenchRecorders.slots).map { _ in Slot() }

    @inline(__always) func record(worker: Int, latenessNs: Int64) {
        let slot = slots[worker & (Self.slots - 1)]
        slot.lock.lock()
        slot.histogram.record(nanoseconds: latenessNs)
        slot.lock.unlock()
    }

    func merged() -> LatencyHistogram {
        var total = LatencyHistogram()
        for slot in slots { slot.lock.withLock { total.merge(slot.histogram) } }
        return total
    }
}

/// How long observing the engine took, per call, in microseconds.
public struct ObservationFigures: Sendable {
    public var count = 0
    public var snapshot = LatencyHistogram()
    public var window = LatencyHistogram()
    /// Each of `sortedQueries`, once a second.
    public var sorted: [String: LatencyHistogram] = [:]

    /// The windows a dashboard asks for besides the default one, each of 40
    /// rows: by next due (first page, last page, and anchored on a job
    /// halfway down), by name, a text filter over every name, and the
    /// default order with a state filter (finished tasks hidden).
    static let sortedQueries: [(name: String, query: @Sendable (_ total: Int) -> JobQuery)] = [
        ("sorted_window", { _ in JobQuery(sort: .nextDue, limit: 40) }),
        ("next_last_page", { n in JobQuery(sort: .nextDue, offset: max(0, n - 40), limit: 40) }),
        ("next_anchored", { n in JobQuery(sort: .nextDue, limit: 40, anchor: JobID(UInt64(max(1, n / 2))), anchorRow: 10) }),
        ("name_window", { _ in JobQuery(sort: .name, limit: 40) }),
        // A dashboard's selection follows its job: most sorted views are anchored.
        ("name_anchored", { n in JobQuery(sort: .name, limit: 40, anchor: JobID(UInt64(max(1, n / 2))), anchorRow: 10) }),
        ("text_filter", { n in JobQuery(text: "bench-\(n / 2 + 7)", limit: 40) }),
        ("unfinished_window", { _ in JobQuery(states: JobState.unfinished, limit: 40) }),
        // Every other order a person can pick, first page.
        ("group_window", { _ in JobQuery(sort: .group, limit: 40) }),
        ("state_window", { _ in JobQuery(sort: .state, limit: 40) }),
        ("schedule_window", { _ in JobQuery(sort: .schedule, limit: 40) }),
        ("status_window", { _ in JobQuery(sort: .status, limit: 40) }),
        ("runs_window", { _ in JobQuery(sort: .runs, descending: true, limit: 40) }),
        ("duration_window", { _ in JobQuery(sort: .lastDuration, descending: true, limit: 40) }),
    ]
}

/// A thread that observes the engine the way a dashboard does, until `until`.
final class Observer: @unchecked Sendable {
    private let lock = Lock()
    private var figures = ObservationFigures()
    private let done = DispatchSemaphore(value: 0)

    func start(engine: Engine, hz: Double, until: Int64) {
        let interval = Int64(1e9 / hz)
        Thread.detachNewThread { [self] in
            var next = monotonicNow()
            var lastSorted: Int64 = 0
            while next < until {
                let a = monotonicNow()
                let snap = engine.snapshot()
                let b = monotonicNow()
                _ = engine.jobs(JobQuery(offset: snap.totalJobs / 2, limit: 40))
                let c = monotonicNow()
                var sorted: [(String, Int64)] = []
                if c - lastSorted >= 1_000_000_000 {
                    for q in ObservationFigures.sortedQueries {
                        let t = monotonicNow()
                        _ = engine.jobs(q.query(snap.totalJobs))
                        sorted.append((q.name, monotonicNow() - t))
                    }
                    lastSorted = c
                }
                lock.withLock {
                    figures.count += 1
                    figures.snapshot.record(nanoseconds: b - a)
                    figures.window.record(nanoseconds: c - b)
                    for (name, ns) in sorted { figures.sorted[name, default: LatencyHistogram()].record(nanoseconds: ns) }
                }
                next += interval
                sleepUntil(next)
            }
            done.signal()
        }
    }

    func finish() -> ObservationFigures {
        done.wait()
        return lock.withLock { figures }
    }
}

public enum BenchRunner {
    /// Runs the contract workload on a real engine with the shipped defaults
    /// (full diagnostics on); only the timer resolution may be overridden.
    public static func run(_ o: BenchOptions) throws -> BenchResult {
        try o.validate()
        var generator = BenchWorkload.Generator(pmin: o.pmin, pmax: o.pmax, seed: o.seed)
        let clock = MonotonicClock.shared
        let engine = try Engine(EngineConfiguration(workers: o.workers, timerResolutionShift: o.timerResolutionShift))
        let recorders = BenchRecorders()
        // The window opens when setup ends; runs due before it are not recorded.
        let window = Atomic<Int64>(Int64.max)
        let windowEnd = Atomic<Int64>(Int64.max)
        let counters = UnsafeMutablePointer<Int>.allocate(capacity: max(1, o.jobs))
        counters.initialize(repeating: 0, count: max(1, o.jobs))
        defer { counters.deallocate() }
        let firstID = UInt64(1)
        let spinNs = Int64(o.workMicros) * 1000
        let countersAddress = UInt(bitPattern: counters)
        let perRun = o.perRun
        let failures = Atomic<Int>(0)
        let floorGapNs = perRun == nil ? 0 : Self.meanGapNs(o)
        let floorBackToBack = perRun.map { Self.floorCPUPerRun($0, gapNs: 0) }
        let floorCPU = perRun.map { Self.floorCPUPerRun($0, gapNs: floorGapNs) }

        let body: JobBody = { ctx in
            let t = monotonicNow()
            let due = ctx.dueNs
            // Successive runs of one job never overlap and are ordered by the
            // engine's per-job lock, so this plain counter is safe.
            UnsafeMutablePointer<Int>(bitPattern: countersAddress)![Int(ctx.jobID.rawValue - firstID)] += 1
            if due >= window.load(ordering: .relaxed) && due < windowEnd.load(ordering: .relaxed) {
                recorders.record(worker: ctx.workerIndex, latenessNs: t - due)
            }
            if spinNs > 0 { let until = t + spinNs; while monotonicNow() < until {} }
            if let perRun, !perRun.run() { failures.add(1, ordering: .relaxed) }
        }

        var firsts = [Int64](repeating: 0, count: o.jobs)
        let t0 = clock.now()
        var specs: [JobSpec] = []
        let chunk = 8192
        specs.reserveCapacity(chunk)
        for i in 0..<o.jobs {
            let (period, phase) = generator.next()
            let s = clock.now()
            let first = s + phase
            firsts[i] = first
            let schedule = Schedule.every(.nanoseconds(period), missed: .catchUp)
                .startingAt(monotonicNanoseconds: first)
            specs.append(JobSpec(name: benchJobName(i), group: "bench", schedule: schedule, backoff: nil, body))
            if specs.count == chunk || i == o.jobs - 1 {
                try engine.submit(contentsOf: specs)
                specs.removeAll(keepingCapacity: true)
            }
        }
        let t1 = clock.now()
        let w0 = t1, w1 = t1 + (try BenchOptions.duration.nanoseconds(o.durationS))
        windowEnd.store(w1, ordering: .relaxed)
        window.store(w0, ordering: .relaxed)
        let withChildren = perRun != nil
        let cpuAtW0 = processCPUSeconds(includingChildren: withChildren)

        let observer = o.observeHz > 0 ? Observer() : nil
        observer?.start(engine: engine, hz: o.observeHz, until: w1)
        sleepUntil(w1)
        let cpuAtW1 = processCPUSeconds(includingChildren: withChildren)
        sleepUntil(w1 + (try BenchOptions.grace.nanoseconds(o.graceS)))

        let histogram = recorders.merged()
        // The periods again, from the same seed (cheaper than keeping 8 MB of them).
        var again = BenchWorkload.Generator(pmin: o.pmin, pmax: o.pmax, seed: o.seed)
        var expected = 0
        for i in 0..<o.jobs {
            expected += BenchWorkload.expectedRuns(first: firsts[i], period: again.next().periodNs, w0: w0, w1: w1)
        }
        engine.shutdown(deadline: .seconds(2))
        var usage = rusage()
        getrusage(0 /* RUSAGE_SELF */, &usage)
        let runs = Int(histogram.count)
        let perRunFigures = perRun.map { work in
            PerRunFigures(label: work.label, failures: failures.load(ordering: .relaxed), floorCPUPerRunMs: (floorCPU ?? 0) * 1000,
                          floorBackToBackCPUPerRunMs: (floorBackToBack ?? 0) * 1000, floorGapMs: Double(floorGapNs) / 1e6,
                          cpuPerRunMs: runs > 0 ? (cpuAtW1 - cpuAtW0) / Double(runs) * 1000 : 0)
        }
        return BenchResult(options: o, expectedRuns: expected, runs: runs, lateness: histogram,
                           cpuS: processCPUSeconds(includingChildren: withChildren), cpuRunS: cpuAtW1 - cpuAtW0,
                           peakRSSMB: Double(usage.ru_maxrss) / 1024, setupS: Double(t1 - t0) / 1e9,
                           observation: observer?.finish(), perRun: perRunFigures)
    }

    /// CPU seconds (this process and its reaped children) per bare run.
    /// `gapNs` apart (0: back to back). Spawns back to back find the
    /// kernel's and the CPU's caches warm and cost less than the same
    /// spawns at the workload's pace, so the ratio is taken against a floor
    /// paced like the runs; the back-to-back figure is reported too.
    static func floorCPUPerRun(_ work: PerRunWork, gapNs: Int64) -> Double {
        let before = processCPUSeconds(includingChildren: true)
        for _ in 0..<work.floorRuns {
            _ = work.floor()
            if gapNs > 0 { sleepUntil(monotonicNow() + gapNs) }
        }
        return (processCPUSeconds(includingChildren: true) - before) / Double(work.floorRuns)
    }

    /// The time between runs the workload asks for on average (its runs per
    /// second are the sum of 1/period), at most 20 ms so the floor takes at
    /// most 4 s.
    static func meanGapNs(_ o: BenchOptions) -> Int64 {
        var g = BenchWorkload.Generator(pmin: o.pmin, pmax: o.pmax, seed: o.seed)
        var rate = 0.0
        for _ in 0..<o.jobs { rate += 1e9 / Double(Swift.max(1, g.next().periodNs)) }
        return rate > 0 ? Swift.min(20_000_000, Int64(1e9 / rate)) : 20_000_000
    }
}

/// "bench-<i>", written directly: at a million jobs the usual concatenation
/// and Int formatting were a measurable part of setup. The capacity is the
/// exact length, so names up to 15 bytes stay inline (no heap allocation).
func benchJobName(_ i: Int) -> String {
    var v = UInt(bitPattern: i)
    var digits = 1
    while v >= 10 { v /= 10; digits += 1 }
    let length = 6 + digits
    return String(unsafeUninitializedCapacity: length) { buffer in
        let prefix: [UInt8] = [98, 101, 110, 99, 104, 45]  // "bench-"
        for k in 0..<6 { buffer[k] = prefix[k] }
        var w = UInt(bitPattern: i)
        for k in stride(from: length - 1, through: 6, by: -1) { buffer[k] = UInt8(48 + w % 10); w /= 10 }
        return length
    }
}

@inline(__always) func monotonicNow() -> Int64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Int64(ts.tv_sec) &* 1_000_000_000 &+ Int64(ts.tv_nsec)
}

func sleepUntil(_ ns: Int64) {
    var ts = timespec(tv_sec: Int(ns / 1_000_000_000), tv_nsec: Int(ns % 1_000_000_000))
    while clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nil) == EINTR {}
}

/// User + system CPU of the whole process so far, seconds; with its
/// reaped children's too when asked.
public func processCPUSeconds(includingChildren: Bool = false) -> Double {
    func seconds(_ who: Int32) -> Double {
        var u = rusage()
        getrusage(who, &u)
        return Double(u.ru_utime.tv_sec) + Double(u.ru_utime.tv_usec) / 1e6
            + Double(u.ru_stime.tv_sec) + Double(u.ru_stime.tv_usec) / 1e6
    }
    return seconds(0 /* RUSAGE_SELF */) + (includingChildren ? seconds(-1 /* RUSAGE_CHILDREN */) : 0)
}
