import Synchronization
import Tickwork

/// CPU-bound work split over threads (seed 000's question, seed 001's
/// "threads won't speed up CPU work" — true of Python's GIL, not of Swift):
/// ∫₀¹ 4 / (1 + x²) dx = π by the midpoint rule, split into k slices run as
/// k jobs at once, for k = 1, 2, … up to `maxThreads`, over and over. Each
/// trial's wall time gives the speed-up over one thread; the threads panel
/// shows the slices' busy time; the result is checked against π.
///
/// A trial's slices are submitted together; the last slice to finish adds
/// up the parts and submits the next trial — nothing waits on anything.
public final class IntegrateDemo: Demo, @unchecked Sendable {
    public let group = "integrate"
    public let maxThreads: Int
    /// Points per trial, shared among its slices.
    public let points: Int
    public static let exact = Double.pi

    /// Guarded by `lock`: the trial in progress and the results so far.
    private let lock = Lock()
    private var trial = 0
    private var parts: [Double] = []
    private var remaining = 0
    private var startedNs: Int64 = 0
    /// Wall times of the last few trials with k threads, by k. The best of
    /// them is the figure: other demos' threads share the cores, and the
    /// fastest run is the one they disturbed least.
    private var wallNs: [Int: [Int64]] = [:]
    static let keepTrials = 5
    private var lastResult: Double?
    /// The latest trial's result with k threads, by k.
    private var resultByThreads: [Int: Double] = [:]
    private var stopped = false
    private weak var engine: Engine?

    public init(maxThreads: Int = 4, points: Int = 80_000_000) {
        self.maxThreads = max(1, maxThreads); self.points = max(1000, points)
    }

    public func start(on engine: Engine) throws {
        self.engine = engine
        try startTrial(threads: 1, after: .zero)
    }

    public func stop(on engine: Engine) {
        lock.withLock { stopped = true }
        _ = engine.cancelGroup(group)
    }

    private func startTrial(threads k: Int, after delay: Duration) throws {
        guard let engine else { return }
        let n = lock.withLock { () -> Int? in
            guard !stopped else { return nil }
            trial += 1
            parts = Array(repeating: 0, count: k)
            remaining = k
            startedNs = 0
            return trial
        }
        guard let n else { return }
        let per = points / k
        try engine.submit(contentsOf: (0..<k).map { s in
            let range = s * per ..< (s == k - 1 ? points : (s + 1) * per)
            return JobSpec(name: "integrate.t\(n)-\(s + 1)of\(k)", group: group, schedule: .once(after: delay)) { [weak self] ctx in
                try self?.runSlice(s, of: k, range: range, ctx)
            }
        })
    }

    /// Sums one slice of the midpoint rule, checking for cancel every 1M points.
    private func runSlice(_ s: Int, of k: Int, range: Range<Int>, _ ctx: JobContext) throws {
        lock.withLock { if startedNs == 0 { startedNs = monotonicNanoseconds() } }
        let h = 1.0 / Double(points)
        var sum = 0.0
        var i = range.lowerBound
        while i < range.upperBound {
            let end = min(range.upperBound, i + 1_000_000)
            var chunk = 0.0
            for j in i..<end {
                let x = (Double(j) + 0.5) * h
                chunk += 4.0 / (1.0 + x * x)
            }
            sum += chunk
            i = end
            if ctx.isCancelled { return }
            ctx.progress(Double(i - range.lowerBound) / Double(range.count), status: "slice \(s + 1) of \(k)")
        }
        let finished: (Double, Int64)? = lock.withLock {
            parts[s] = sum * h
            remaining -= 1
            guard remaining == 0 else { return nil }
            let wall = monotonicNanoseconds() - startedNs
            let result = parts.reduce(0, +)
            wallNs[k, default: []].append(wall)
            if wallNs[k]!.count > Self.keepTrials { wallNs[k]!.removeFirst() }
            lastResult = result
            resultByThreads[k] = result
            return (result, wall)
        }
        if let (result, wall) = finished {
            ctx.log("\(k) thread\(k == 1 ? "" : "s"): \(result) in \(wall / 1_000_000) ms")
            // Next: one more thread, or back to one after a pause.
            try startTrial(threads: k < maxThreads ? k + 1 : 1, after: k < maxThreads ? .milliseconds(300) : .seconds(3))
        }
    }

    /// The most threads measured so far, the latest result, the best recent
    /// wall time per thread count, and the speed-up of the most threads over one.
    public var latest: (threads: Int, result: Double?, speedup: Double?, wallNs: [Int: Int64], results: [Int: Double]) {
        lock.withLock {
            let best = wallNs.compactMapValues { $0.min() }
            let most = best.keys.max() ?? 0
            let speedup = best[1].flatMap { one in best[most].map { Double(one) / Double(max(1, $0)) } }
            return (most, lastResult, speedup, best, resultByThreads)
        }
    }

    public func figures() -> [DemoFigure] {
        let l = latest
        var out = [DemoFigure("threads", l.threads),
                   l.result.map { DemoFigure("result", $0) } ?? DemoFigure("result", "-"),
                   DemoFigure("exact", Self.exact),
                   l.result.map { DemoFigure("error", abs($0 - Self.exact)) } ?? DemoFigure("error", "-"),
                   l.speedup.map { DemoFigure("speedup", ($0 * 100).rounded() / 100) } ?? DemoFigure("speedup", "-")]
        for k in l.wallNs.keys.sorted() { out.append(DemoFigure("ms_\(k)", l.wallNs[k]! / 1_000_000)) }
        return out
    }
}
