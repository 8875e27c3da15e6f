import Foundation
import Tickwork
import TickworkModel

/// The cluster as a dashboard attached to one node shows it: every node
/// (its workers, runs a second, heartbeat age; this one marked) and the
/// latest runs anywhere, each with the node that ran it. Read from the
/// database about once a second, and only while a dashboard asks: a node
/// nobody watches does not pay for it.
///
/// Threads: `refresh` runs on the node's heartbeat thread (which owns the
/// connection it is given); `panel` on any (a dashboard's sampler).
/// `lock` guards `nodes`, `recent`, `samples`, `readNs`.
final class ClusterPanelSource: @unchecked Sendable {
    struct Node: Equatable {
        let name: String, workers: Int, beatAgeSeconds: Double, runsPerSecond: Double
    }
    struct Run: Equatable {
        let job: String, dueUs: Int64, node: String, outcome: String
    }

    let node: String, store: String
    private let lock = Lock()
    private var nodes: [Node] = [], recent: [Run] = []
    /// Each node's run count as read, newest last (the rate is over the
    /// last few seconds: the count moves once a heartbeat).
    private var samples: [String: [(ns: Int64, runs: Int)]] = [:]
    private var readNs: Int64 = .min / 2
    static let recentRuns = 6
    static let watchedForNs: Int64 = 5_000_000_000

    init(node: String, store: String) { self.node = node; self.store = store }

    /// A dashboard read the panel within the last 5 s.
    var wanted: Bool { lock.withLock { monotonicNanoseconds() - readNs < Self.watchedForNs } }

    func refresh(_ db: PostgresConnection) throws(PostgresError) {
        let now = monotonicNanoseconds()
        let rows = try db.execute("""
            SELECT name, workers, runs, extract(epoch from now() - heartbeat_at) FROM tickwork_nodes ORDER BY name
            """)
        let runs = try db.execute("""
            SELECT t.job, t.last_due_us, t.last_node, coalesce(r.outcome, r.state, 'trimmed') FROM tickwork_ticks t
            LEFT JOIN tickwork_runs r ON r.job = t.job AND r.due_us = t.last_due_us
            WHERE t.last_due_us IS NOT NULL ORDER BY t.last_due_us DESC LIMIT \(Self.recentRuns)
            """)
        lock.withLock {
            nodes = rows.map { r in
                let name = r[0] ?? "", count = Int(r[2] ?? "") ?? 0
                var list = samples[name] ?? []
                list.append((now, count))
                if list.count > 6 { list.removeFirst(list.count - 6) }
                samples[name] = list
                let span = Double(list.last!.ns - list.first!.ns) / 1e9
                let rate = span > 0 ? Double(list.last!.runs - list.first!.runs) / span : 0
                return Node(name: name, workers: Int(r[1] ?? "") ?? 0, beatAgeSeconds: Double(r[3] ?? "") ?? 0, runsPerSecond: rate)
            }
            let live = Set(nodes.map(\.name))
            samples = samples.filter { live.contains($0.key) }
            recent = runs.compactMap { r in
                guard let job = r[0], let due = Int64(r[1] ?? "") else { return nil }
                return Run(job: job, dueUs: due, node: r[2] ?? "", outcome: r[3] ?? "")
            }
        }
    }

    /// The panel: `local` says what this node holds now; `notice` is its
    /// latest line for a person (lost the database, rescued a node).
    func panel(local: String, notice: String?) -> DemoPanel {
        let (nodes, recent) = lock.withLock { () -> ([Node], [Run]) in
            readNs = monotonicNanoseconds()
            return (self.nodes, self.recent)
        }
        var figures: [DemoFigure] = []
        for n in nodes {
            figures.append(DemoFigure(n.name == node ? "\(n.name)*" : n.name,
                                      "\(n.workers) workers, \(formatRate(n.runsPerSecond)) runs/s, beat \(String(format: "%.1f", n.beatAgeSeconds)) s ago"))
        }
        if nodes.isEmpty { figures.append(DemoFigure("nodes", "reading…")) }
        for r in recent {
            figures.append(DemoFigure("\(r.job) \(Self.clock(r.dueUs))", "\(r.node): \(r.outcome.prefix(24))"))
        }
        if let notice { figures.append(DemoFigure("last", notice)) }
        figures.append(DemoFigure("store", store))
        // The title says which node this is and what it holds.
        return DemoPanel(name: "cluster", status: "node \(node): \(local)", figures: figures)
    }

    func formatRate(_ v: Double) -> String { v >= 10 ? String(Int(v.rounded())) : String(format: "%.1f", v) }

    /// `16:40:01Z`: a tick's time of day in UTC.
    static func clock(_ us: Int64) -> String {
        let s = (us / 1_000_000) % 86_400
        func two(_ n: Int64) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return "\(two(s / 3600)):\(two(s / 60 % 60)):\(two(s % 60))Z"
    }
}
