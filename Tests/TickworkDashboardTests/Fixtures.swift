@testable import Tickwork
import TickworkDashboard

/// Hand-made frames with fixed numbers, so a rendered screen is the same on
/// every machine (a live engine's thread ids and timings never are).
enum Fixtures {
    static let t0: Int64 = 1_000_000_000_000   // the snapshot's clock: 1000 s

    static func job(_ i: Int, state: JobState = .scheduled, errors: Int = 0) -> JobInfo {
        JobInfo(id: JobID(UInt64(i)), name: "object-\(i)", group: i % 3 == 0 ? "sync" : "refresh", queue: "default",
                state: state, schedule: i % 2 == 0 ? "every 2s" : "adaptive",
                nextDueNs: state == .scheduled ? t0 + Int64(i) * 250_000_000 : nil,
                runs: i * 3, errors: errors, misses: 0, overflows: 0, consecutiveFailures: errors > 0 ? 1 : 0,
                backoffNs: nil, lastStartNs: t0 - 2_000_000_000, lastDurationNs: Int64(i) * 21_000_000,
                meanDurationNs: Int64(i) * 20_000_000, maxDurationNs: Int64(i) * 40_000_000,
                lastLatenessNs: Int64(i) * 300_000, meanLatenessNs: 250_000, totalLatenessNs: Int64(i) * 900_000,
                usage: 0.25, progress: state == .running ? 0.4 : nil, status: state == .running ? "fetching" : nil,
                lastError: errors > 0 ? RunError(message: "connection refused", atNs: t0 - 1_000_000_000, run: 2, timedOut: false) : nil,
                stuck: false, gaveUp: false, pausePending: false, worker: state == .running ? 0 : nil, sampledAtNs: t0)
    }

    static func jobs(_ n: Int) -> [JobInfo] {
        (1...n).map { i in
            job(i, state: i == 2 ? .running : i == 4 ? .sleeping : i == 5 ? .paused : i == 7 ? .failed : .scheduled,
                errors: i == 7 ? 3 : 0)
        }
    }

    static func snapshot(workers: Int = 4, takenAt: Int64 = t0) -> EngineSnapshot {
        var h = LatencyHistogram()
        for us in [200, 300, 400, 450, 2_000] as [Int64] { h.record(micros: us) }
        let ws = (0..<workers).map { i in
            WorkerInfo(index: i, tid: Int32(4100 + i), phase: i == 0 ? .running : i == 1 ? .sleeping : .idle,
                       jobID: i < 2 ? JobID(UInt64(2 + 2 * i)) : nil, jobName: i < 2 ? "object-\(2 + 2 * i)" : nil,
                       sinceNs: t0 - 1_500_000_000, runs: 10 * (i + 1), busyNs: 0, busyFraction: i < 2 ? 0.5 : 0.0,
                       cpuNs: 0, cpuFraction: i == 0 ? 0.12 : 0, retiring: false)
        }
        let q = QueueInfo(name: "default", depth: 3, capacity: 100, order: .fifo, whenFull: .rejectNewest, overflow: 0,
                          paused: false, oldestWaitNs: 12_000_000, enqueued: 50, dequeued: 47, maxDepth: 5,
                          enqueueRate: 4, dequeueRate: 4)
        let byState: [JobState: Int] = [.scheduled: 25, .running: 1, .sleeping: 1, .paused: 1, .failed: 1, .retired: 1]
        return EngineSnapshot(takenAtNs: takenAt, uptimeNs: 125_000_000_000 + takenAt - t0, jobsByState: byState, totalJobs: 30,
                              forgottenJobs: 0, runs: 1234, runsPerSecond: 12.5, lateness: h, workers: ws,
                              timer: TimerInfo(tid: 4099, cpuNs: 0, cpuFraction: 0.01, wakeups: 5000, lastBatch: 1,
                                               sleeping: true, sinceNs: t0 - 100_000_000, resolutionNs: 262_144),
                              queues: [q], targetWorkers: workers, lastEventSeq: 3, isShuttingDown: false, errors: 3)
    }

    static func events() -> [EngineEvent] {
        [EngineEvent(seq: 1, atNs: t0 - 3_000_000_000, kind: .started, job: JobID(2), name: "object-2", from: .queued, to: .running, worker: 0, cause: .run),
         EngineEvent(seq: 2, atNs: t0 - 2_000_000_000, kind: .failed, job: JobID(7), name: "object-7", message: "connection refused", from: .running, to: .failed, worker: 1, cause: .run),
         EngineEvent(seq: 3, atNs: t0 - 1_000_000_000, kind: .finished, job: JobID(3), name: "object-3", from: .running, to: .scheduled, worker: 0, cause: .run)]
    }

    /// A frame answering `state`'s own request (as the sampler would).
    static func frame(for state: DashboardState, jobs all: [JobInfo] = jobs(30), workers: Int = 4,
                      events: [EngineEvent] = events(), panels: [DemoPanel] = [], outcomes: [CommandOutcome] = [],
                      snapshot snap: EngineSnapshot? = nil) -> DashboardFrame {
        let q = state.request.query
        let detail = state.request.detail.flatMap { id in all.first { $0.id == id } }.map {
            JobDetail(info: $0, recentErrors: $0.lastError.map { [$0] } ?? [],
                      log: [LogLine(atNs: t0 - 500_000_000, run: $0.runs, text: "refreshed 12 rows")],
                      durationHistoryNs: [10, 20, 40, 20, 10].map { Int64($0) * 1_000_000 },
                      latenessHistoryNs: [1, 2, 1].map { Int64($0) * 100_000 })
        }
        return DashboardFrame(snapshot: snap ?? snapshot(workers: workers), page: answer(q, all),
                              query: q, detail: detail, detailRequested: state.request.detail, events: events,
                              panels: panels, outcomes: outcomes)
    }

    /// What the engine answers a query over these jobs: filtered, ordered
    /// (by id, or by runs or next due), pinned or anchored, sliced.
    static func answer(_ q: JobQuery, _ all: [JobInfo]) -> JobPage {
        let needle = q.text?.lowercased()
        var m = all.filter { j in
            (q.states?.contains(j.state) ?? true)
                && (needle.map { j.name.lowercased().contains($0) || j.group.lowercased().contains($0) } ?? true)
        }
        switch q.sort {
        case .runs: m.sort { ($0.runs, $0.id) < ($1.runs, $1.id) }
        case .nextDue: m.sort { ($0.nextDueNs ?? .max, $0.id) < ($1.nextDueNs ?? .max, $1.id) }
        default: m.sort { $0.id < $1.id }
        }
        if q.descending { m.reverse() }
        let anchorInfo = q.anchor.flatMap { a in all.first { $0.id == a } }
        if let pinned = q.pinned {
            let rows = pinned.compactMap { id in m.first { $0.id == id } }
            let at = q.anchor.flatMap { a in rows.firstIndex { $0.id == a } }
            return JobPage(matching: rows.count, jobs: rows, offset: q.offset, anchorIndex: at.map { q.offset + $0 },
                           anchorInfo: anchorInfo)
        }
        var offset = q.offset
        let rank = q.anchor.flatMap { a in m.firstIndex { $0.id == a } }
        if let rank { offset = min(max(rank - min(q.anchorRow, max(0, q.limit - 1)), 0), max(0, m.count - q.limit)) }
        let page = Array(m.dropFirst(offset).prefix(q.limit))
        return JobPage(matching: m.count, jobs: page, offset: offset, anchorIndex: rank, anchorInfo: anchorInfo)
    }

    /// Feeds frames until the state asks for nothing new (as the sampler answers each resample).
    static func settle(_ s: inout DashboardState, jobs all: [JobInfo] = jobs(30), panels: [DemoPanel] = [],
                       snapshot snap: EngineSnapshot? = nil) {
        for _ in 0..<4 {
            let before = s.request
            _ = s.update(.frame(frame(for: s, jobs: all, events: [], panels: panels, snapshot: snap)))
            if s.request == before && s.tableIsCurrent { return }
        }
    }

    static let catalog = [DemoListing(name: "refresh", summary: "objects refreshing at their own intervals"),
                          DemoListing(name: "race", summary: "four threads add to shared totals: the unsafe one loses updates"),
                          DemoListing(name: "timers", summary: "one-shot timers, some cancelled before they fire")]
    static let panels = [DemoPanel(name: "refresh", figures: [DemoFigure("created", 31), DemoFigure("refreshes", 12),
                                                              DemoFigure("retired", 1), DemoFigure("interrupted", 0)]),
                         DemoPanel(name: "race", status: "stopped", figures: [DemoFigure("expected", 8), DemoFigure("unsafe", 2),
                                                                             DemoFigure("locked", 8), DemoFigure("lost", 6)])]

    /// A state of the given size that has received one fixture frame.
    static func state(width: Int, height: Int, glyphs: Glyphs = .unicode) -> DashboardState {
        var s = DashboardState(width: width, height: height, glyphs: glyphs)
        _ = s.update(.frame(frame(for: s)))
        settle(&s)
        return s
    }
}
