import Tickwork
/// The benchmark's jobs: period and phase of each, generated exactly as the
/// contract says so other schedulers run the identical workload.
public struct BenchWorkload: Sendable, Equatable {
    public var periodNs: [Int64]
    public var phaseNs: [Int64]

    public init(jobs n: Int, pmin a: Double, pmax b: Double, seed: UInt64) {
        var g = Generator(pmin: a, pmax: b, seed: seed)
        periodNs = []; phaseNs = []
        periodNs.reserveCapacity(n); phaseNs.reserveCapacity(n)
        for _ in 0..<n {
            let (p, ph) = g.next()
            periodNs.append(p)
            phaseNs.append(ph)
        }
    }

    /// Job i's (period_ns, phase_ns), in order, without holding them all.
    /// `pmin` and `pmax` are within `BenchOptions.validate()`'s range, so
    /// the figures fit in nanoseconds.
    public struct Generator: Sendable {
        var rng: SplitMix64
        let a: Double, b: Double
        public init(pmin: Double, pmax: Double, seed: UInt64) { rng = SplitMix64(seed: seed); a = pmin; b = pmax }
        public mutating func next() -> (periodNs: Int64, phaseNs: Int64) {
            let p = a + (b - a) * rng.unit()
            let ph = p * rng.unit()
            return (Int64(p * 1e9), Int64(ph * 1e9))
        }
    }

    /// Runs of job `i` whose due time falls in [w0, w1), given its first due time.
    public static func expectedRuns(first: Int64, period: Int64, w0: Int64, w1: Int64) -> Int {
        guard period > 0, w1 > w0 else { return 0 }
        // k from the first tick ≥ w0 to the last tick < w1.
        let kLo: Int64 = first >= w0 ? 0 : (w0 - first + period - 1) / period
        guard first < w1 else { return 0 }
        let kHi = (w1 - 1 - first) / period
        return kHi >= kLo ? Int(kHi - kLo + 1) : 0
    }
}
