import TickworkModel

/// What the dashboard remembers between frames: one-second buckets of each
/// queue's depth for the sparklines, and a few seconds of cumulative
/// lateness histograms so the header can show p99 *now* rather than since
/// start. Kept in the UI state (not shipped in snapshots): only the view
/// needs it. It keeps updating while the display is frozen, so unfreezing
/// shows no gap.
public struct History: Sendable {
    /// Seconds of queue depth kept (the sparkline spans the last minute).
    public static let depthSeconds = 60
    /// Seconds the "p99 now" window spans.
    public static let latenessWindowSeconds = 10

    /// Queue name → max depth per second, oldest first; the last is the current second.
    public private(set) var depth: [String: [Int]] = [:]
    private var currentSecond: Int64?
    private var lateness: [(second: Int64, histogram: LatencyHistogram)] = []
    /// (time, cumulative runs) over the last few seconds, for a steady rate.
    private var runSamples: [(atNs: Int64, runs: Int)] = []
    public static let rateWindowNs: Int64 = 5_000_000_000

    public init() {}

    /// Folds one snapshot in.
    public mutating func record(_ s: EngineSnapshot) {
        let second = s.takenAtNs / 1_000_000_000
        let elapsed = currentSecond.map { Int(min(Int64(History.depthSeconds), max(0, second - $0))) } ?? 0
        currentSecond = second
        for q in s.queues {
            var ring = depth[q.name] ?? [0]
            if elapsed > 0 { ring.append(contentsOf: repeatElement(0, count: elapsed)) }
            if ring.count > History.depthSeconds { ring.removeFirst(ring.count - History.depthSeconds) }
            ring[ring.count - 1] = max(ring[ring.count - 1], q.depth)
            depth[q.name] = ring
        }
        runSamples.append((s.takenAtNs, s.runs))
        while runSamples.count > 2, s.takenAtNs - runSamples[1].atNs >= History.rateWindowNs { runSamples.removeFirst() }
        if lateness.last?.second != second {
            lateness.append((second, s.lateness))
            while let first = lateness.first, second - first.second > Int64(History.latenessWindowSeconds) { lateness.removeFirst() }
        } else {
            lateness[lateness.count - 1].histogram = s.lateness
        }
    }

    /// Runs per second over the last five seconds (nil before two samples
    /// 100 ms apart): steadier than the rate between two frames.
    public var runsPerSecond: Double? {
        guard let first = runSamples.first, let last = runSamples.last, last.atNs - first.atNs >= 100_000_000 else { return nil }
        return Double(last.runs - first.runs) / (Double(last.atNs - first.atNs) / 1e9)
    }

    /// Lateness percentile `q` (in µs) over the runs of roughly the last ten
    /// seconds: the newest cumulative histogram minus the oldest kept. Nil
    /// when no run started in that window.
    public func recentLatenessMicros(_ q: Double) -> Double? {
        guard let newest = lateness.last?.histogram else { return nil }
        guard lateness.count > 1, let oldest = lateness.first?.histogram else { return newest.percentileMicros(q) }
        return newest.subtracting(oldest).percentileMicros(q)
    }
}
