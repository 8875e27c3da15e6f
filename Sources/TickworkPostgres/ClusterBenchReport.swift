import Foundation
import TickworkJobFile

/// The jobs: periods spread evenly over pmin…pmax, and each job's first
/// tick a pseudo-random part of its period in (the same every time), so
/// the runs fall evenly rather than all at once.
public struct ClusterBenchPlan: Sendable {
    public let periodUs: [String: Int64]
    public let file: JobFile

    public init(jobs: Int, pminSeconds: Int, pmaxSeconds: Int) {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        var periods: [String: Int64] = [:]
        var entries: [JobEntry] = []
        for i in 0..<jobs {
            let span = Double(pmaxSeconds - pminSeconds)
            let periodMs = Int64(((Double(pminSeconds) + span * Double(i) / Double(max(1, jobs - 1))) * 1000).rounded())
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let offsetMs = Int64((state >> 33) % UInt64(periodMs))
            let name = "b\(i)"
            periods[name] = periodMs * 1000
            entries.append(.noop(name: name, periodNs: periodMs * 1_000_000, startAfterNs: offsetMs * 1_000_000))
        }
        periodUs = periods
        file = JobFile(path: "bench-cluster", jobs: entries)
    }

    public var runsPerSecond: Double { periodUs.values.reduce(0) { $0 + 1e6 / Double($1) } }
}


/// What `bench-cluster` found, from the runs table alone (a plain function
/// of its rows, tested without a database): every job's ticks lie on its
/// own grid (its first run's tick plus whole periods), so a tick of the
/// grid inside a window with no run is missing, and a second row for a
/// tick is a tick run twice.
public struct ClusterBenchReport {
    public struct Run: Equatable, Sendable {
        public let job: String, dueUs: Int64, node: String, state: String, startedUs: Int64?
        public var endedUs: Int64? = nil
        public init(job: String, dueUs: Int64, node: String, state: String, startedUs: Int64?, endedUs: Int64? = nil) {
            self.job = job; self.dueUs = dueUs; self.node = node; self.state = state; self.startedUs = startedUs; self.endedUs = endedUs
        }
    }

    /// One window's figures.
    public struct Window: Equatable {
        public var ticks = 0, started = 0, interrupted = 0, missing = 0, twice = 0, offGrid = 0
        public var latenessMs: (p50: Double, p99: Double, max: Double) = (0, 0, 0)
        public static func == (a: Window, b: Window) -> Bool {
            a.ticks == b.ticks && a.started == b.started && a.missing == b.missing && a.twice == b.twice && a.offGrid == b.offGrid
                && a.interrupted == b.interrupted && a.latenessMs == b.latenessMs
        }
    }

    public let steady: Window
    public let seconds: Double
    public let nodeCPUPerRunMs: Double, postgresCPUPerRunMs: Double
    public let shares: [String: Int]
    /// With a node killed: the window after, and per job the dead node held
    /// at its death, how long until that job's next run started elsewhere.
    public let afterKill: Window?
    public let killedNode: String?
    public let heldAtDeath: Int
    /// From the kill until another node declared the node dead (deleted
    /// its row): nil if none did while the bench watched.
    public let declaredDeadAfterMs: Double?
    /// From the kill until the last of those runs was marked interrupted
    /// (another node found the lease expired): nil if none was.
    public let rescuedAfterMs: Double?
    /// From the kill until each held job's next run started (its next
    /// tick may fall well after the rescue).
    public let takenOverMs: (p50: Double, max: Double)?
    public let jobs: Int, nodes: Int, workers: Int, runsPerSecond: Double
    /// Jobs with no run at all (their grid is unknown: not in `missing`).
    public let neverRan: Int

    /// A tick this close to a window's end may not be claimed yet when the
    /// nodes stop: not counted missing.
    static let settleUs: Int64 = 1_000_000

    public init(plan: ClusterBenchPlan, runs: [Run], from: Int64, to: Int64, nodeCPUSeconds: Double, postgresCPUSeconds: Double,
         killedNode: String?, killAtUs: Int64?, untilUs: Int64, nodes: Int, workers: Int, declaredDeadAtUs: Int64? = nil) {
        let byJob = Dictionary(grouping: runs, by: \.job).mapValues { $0.sorted { $0.dueUs < $1.dueUs } }
        steady = Self.window(byJob, periods: plan.periodUs, from: from, to: to)
        seconds = Double(to - from) / 1e6
        let counted = max(1, steady.ticks)
        nodeCPUPerRunMs = nodeCPUSeconds * 1000 / Double(counted)
        postgresCPUPerRunMs = postgresCPUSeconds * 1000 / Double(counted)
        shares = runs.filter { $0.dueUs >= from && $0.dueUs < to }.reduce(into: [:]) { $0[$1.node, default: 0] += 1 }
        self.killedNode = killedNode
        neverRan = plan.periodUs.keys.filter { byJob[$0] == nil }.count
        jobs = plan.periodUs.count; self.nodes = nodes; self.workers = workers; runsPerSecond = plan.runsPerSecond
        guard let dead = killedNode, let killAt = killAtUs else {
            afterKill = nil; heldAtDeath = 0; takenOverMs = nil; rescuedAfterMs = nil; declaredDeadAfterMs = nil
            return
        }
        afterKill = Self.window(byJob, periods: plan.periodUs, from: killAt, to: untilUs)
        declaredDeadAfterMs = declaredDeadAtUs.map { Double($0 - killAt) / 1000 }
        // Runs of the dead node not ended: what it held as it died.
        var delays: [Double] = []
        var held = 0
        var rescued: Double?
        for (_, list) in byJob {
            guard let cut = list.last(where: { $0.node == dead && $0.state != "ended" }) else { continue }
            held += 1
            if cut.state == "interrupted", let e = cut.endedUs { rescued = max(rescued ?? 0, Double(e - killAt) / 1000) }
            if let next = list.first(where: { $0.dueUs > cut.dueUs && $0.node != dead }), let s = next.startedUs {
                delays.append(Double(s - killAt) / 1000)
            } else {
                delays.append(.infinity)
            }
        }
        heldAtDeath = held
        rescuedAfterMs = rescued
        delays.sort()
        takenOverMs = delays.isEmpty ? nil : (Self.percentile(delays, 0.5), delays.last!)
    }

    public static func window(_ byJob: [String: [Run]], periods: [String: Int64], from: Int64, to: Int64) -> Window {
        var w = Window()
        var lateness: [Double] = []
        for (job, list) in byJob {
            guard let period = periods[job], period > 0, let origin = list.first?.dueUs else { continue }
            var seen = Set<Int64>()
            for run in list where run.dueUs >= from && run.dueUs < to {
                w.ticks += 1
                if !seen.insert(run.dueUs).inserted { w.twice += 1 }
                if (run.dueUs - origin) % period != 0 { w.offGrid += 1 }
                if run.state == "interrupted" { w.interrupted += 1 }
                if let s = run.startedUs { w.started += 1; lateness.append(Double(s - run.dueUs) / 1000) }
            }
            // The grid's ticks in [from, to − settle) with no run.
            let end = to - settleUs
            guard end > from else { continue }
            let firstK = max(0, (from - origin + period - 1) / period)
            var k = firstK
            while origin + k * period < end {
                if !seen.contains(origin + k * period) { w.missing += 1 }
                k += 1
            }
        }
        lateness.sort()
        w.latenessMs = (percentile(lateness, 0.5), percentile(lateness, 0.99), lateness.last ?? 0)
        return w
    }

    static func percentile(_ sorted: [Double], _ p: Double) -> Double {
        sorted.isEmpty ? 0 : sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))]
    }

    public var lines: [String] {
        func ms(_ v: Double) -> String { v.isInfinite ? "never" : String(format: "%.1f ms", v) }
        var out = [
            "\(jobs) no-op jobs (≈ \(Int(runsPerSecond.rounded())) runs/s) on \(nodes) nodes of \(workers) workers, measured \(String(format: "%.1f", seconds)) s:",
            "  ticks \(steady.ticks), started \(steady.started), twice \(steady.twice), missing \(steady.missing), off the grid \(steady.offGrid), interrupted \(steady.interrupted), jobs never run \(neverRan)",
            "  lateness p50 \(ms(steady.latenessMs.p50)), p99 \(ms(steady.latenessMs.p99)), max \(ms(steady.latenessMs.max))",
            "  CPU per run: nodes \(String(format: "%.3f", nodeCPUPerRunMs)) ms, postgres \(String(format: "%.3f", postgresCPUPerRunMs)) ms",
            "  shares: " + shares.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "),
        ]
        if let dead = killedNode, let after = afterKill {
            out.append("\(dead) killed with SIGKILL; declared dead by another node after " + (declaredDeadAfterMs.map { ms($0) } ?? "never (15 s)")
                       + " (lease 5 s from its last heartbeat, found at the next heartbeat)")
            if heldAtDeath == 0 {
                out.append("  it held no run not yet on record as ended: nothing to rescue")
            } else {
                out.append("  it held \(heldAtDeath) runs not ended (counted above as interrupted), marked interrupted after "
                           + (rescuedAfterMs.map { ms($0) } ?? "never")
                           + (takenOverMs.map { "; those jobs' next runs started after p50 \(ms($0.p50)), max \(ms($0.max))" } ?? ""))
            }
            out.append("  ticks due after the kill: \(after.ticks), twice \(after.twice), missing \(after.missing), interrupted \(after.interrupted), lateness p99 \(ms(after.latenessMs.p99)), max \(ms(after.latenessMs.max))")
        }
        return out
    }

    public var jsonLine: String {
        func figures(_ w: Window) -> [String: Any] {
            ["ticks": w.ticks, "started": w.started, "twice": w.twice, "missing": w.missing, "off_grid": w.offGrid,
             "interrupted": w.interrupted, "lateness_ms_p50": w.latenessMs.p50, "lateness_ms_p99": w.latenessMs.p99,
             "lateness_ms_max": w.latenessMs.max]
        }
        var all: [String: Any] = [
            "jobs": jobs, "nodes": nodes, "workers": workers, "runs_per_second_planned": runsPerSecond.rounded(),
            "seconds": seconds, "steady": figures(steady), "node_cpu_ms_per_run": nodeCPUPerRunMs,
            "postgres_cpu_ms_per_run": postgresCPUPerRunMs, "shares": shares, "never_ran": neverRan,
        ]
        if let dead = killedNode, let after = afterKill {
            all["killed"] = dead
            all["after_kill"] = figures(after)
            all["held_at_death"] = heldAtDeath
            all["rescued_after_ms"] = rescuedAfterMs ?? -1
            all["declared_dead_after_ms"] = declaredDeadAfterMs ?? -1
            if let t = takenOverMs { all["taken_over_ms_p50"] = t.p50.isInfinite ? -1 : t.p50; all["taken_over_ms_max"] = t.max.isInfinite ? -1 : t.max }
        }
        let data = (try? JSONSerialization.data(withJSONObject: all, options: [.sortedKeys])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }
}
