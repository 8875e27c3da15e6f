import Synchronization
import Tickwork

/// Seed 000, done right: about 30 "objects" alive at once on a 12-worker
/// pool. Each waits its own random interval, refreshes (interruptible,
/// I/O-like work of 0.2–1.5 s, reporting progress), then decides to refresh
/// again after a new interval or to retire — likelier with each refresh.
/// A spawner tops the population back up every two seconds.
public final class RefreshDemo: Demo, @unchecked Sendable {
    public let group = "refresh"
    /// Objects kept alive.
    public let population: Int
    /// Random draws (seeded for a repeatable run).
    private let random: DemoRandom
    private let created = Atomic<Int>(0)
    private let retired = Atomic<Int>(0)
    private let refreshes = Atomic<Int>(0)
    private let interrupted = Atomic<Int>(0)

    public init(seed: UInt64? = nil, population: Int = 30) {
        random = DemoRandom(seed: seed)
        self.population = population
    }

    public func start(on engine: Engine) throws {
        try spawn(population, on: engine)
        try engine.submit(JobSpec(name: "refresh.spawner", group: group, schedule: .every(.seconds(2))) { [weak self, weak engine] _ in
            guard let self, let engine else { return }
            let alive = liveJobCount(of: self.group, in: engine) - 1   // minus the spawner
            if alive < self.population { try self.spawn(self.population - alive, on: engine) }
        })
    }

    private func spawn(_ count: Int, on engine: Engine) throws {
        var specs: [JobSpec] = []
        for _ in 0..<count {
            let n = created.add(1, ordering: .relaxed).newValue
            let first = Duration.milliseconds(Int64(random.double(0.3...4) * 1000))
            specs.append(JobSpec(name: "object-\(n)", group: group, schedule: .adaptive(first: first)) { [weak self] ctx in
                guard let self else { return ctx.retire() }
                self.refresh(ctx)
            })
        }
        try engine.submit(contentsOf: specs)
    }

    /// One refresh: work in ten interruptible steps, then decide.
    private func refresh(_ ctx: JobContext) {
        let work = random.double(0.2...1.5)
        for step in 0..<10 {
            ctx.progress(Double(step) / 10, status: "refreshing")
            if !ctx.sleep(for: .milliseconds(Int64(work * 100))) {
                interrupted.add(1, ordering: .relaxed)
                ctx.status("interrupted")
                return ctx.retire()
            }
        }
        refreshes.add(1, ordering: .relaxed)
        ctx.progress(1, status: "refreshed \(ctx.run)x")
        // Each refresh makes retiring likelier: 10 % after the first, +8 % a time.
        if random.double(0...1) < min(0.9, 0.1 + 0.08 * Double(ctx.run - 1)) {
            retired.add(1, ordering: .relaxed)
            ctx.log("retiring after \(ctx.run) refreshes")
            return ctx.retire()
        }
        let next = random.double(1.5...6)
        ctx.log("next refresh in \(Int(next * 1000)) ms")
        ctx.runAgain(after: .milliseconds(Int64(next * 1000)))
    }

    public func figures() -> [DemoFigure] {
        [DemoFigure("created", created.load(ordering: .relaxed)),
         DemoFigure("refreshes", refreshes.load(ordering: .relaxed)),
         DemoFigure("retired", retired.load(ordering: .relaxed)),
         DemoFigure("interrupted", interrupted.load(ordering: .relaxed))]
    }
}
