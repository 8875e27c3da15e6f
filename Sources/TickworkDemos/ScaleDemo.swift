import Synchronization
import Tickwork

/// Many periodic jobs (100,000 by default): the engine and the dashboard at
/// scale. Periods are spread over 1–10 s with random phases (seeded), and
/// each run does a few microseconds of work, so the pool is busy but not
/// swamped; the table pages through the jobs without copying them.
public final class ScaleDemo: Demo, @unchecked Sendable {
    public let group = "scale"
    /// Memory per job: 408 MB RSS at a million in a release build (the
    /// engine's record plus two closure contexts per job), rounded up.
    public static let bytesPerJob = 450
    public let count: Int
    private let seed: UInt64
    private let runs = Atomic<Int>(0)

    public init(seed: UInt64? = nil, jobs: Int = 100_000) {
        self.seed = seed ?? UInt64.random(in: 0...UInt64.max)
        count = max(1, jobs)
    }

    public func start(on engine: Engine) throws {
        var rng = SplitMix64(seed: seed)
        var specs: [JobSpec] = []
        specs.reserveCapacity(min(count, 8192))
        for i in 0..<count {
            let period = Int64((1 + 9 * rng.unit()) * 1e9)
            let phase = Int64(Double(period) * rng.unit())
            specs.append(JobSpec(name: "tick-\(i)", group: group,
                                 schedule: .every(.nanoseconds(period)).startingAfter(.nanoseconds(phase))) { [weak self] _ in
                self?.runs.add(1, ordering: .relaxed)
            })
            if specs.count == 8192 || i == count - 1 {
                try engine.submit(contentsOf: specs)
                specs.removeAll(keepingCapacity: true)
            }
        }
    }

    public func figures() -> [DemoFigure] {
        [DemoFigure("jobs", count), DemoFigure("runs", runs.load(ordering: .relaxed))]
    }
}
