import Tickwork

/// A demo workload: jobs submitted through the engine's public API only, the
/// way a user's own program would. Each demo lives in one file.
///
/// Threads: `start` from the caller; `figures` from any thread (a demo
/// keeps its counters in atomics or behind a lock).
public protocol Demo: AnyObject, Sendable {
    /// The group its jobs carry, so the dashboard can stop it as a whole.
    var group: String { get }
    /// Submits the demo's jobs.
    func start(on engine: Engine) throws
    /// The numbers that prove the demo's point, in display order.
    func figures() -> [DemoFigure]
    /// Asks the demo to stop. By default its jobs are cancelled as a group;
    /// a demo with work in hand that must not be lost (the pipeline's queued
    /// items) winds down instead, and its jobs retire when done.
    func stop(on engine: Engine)
}

extension Demo {
    public func stop(on engine: Engine) { _ = engine.cancelGroup(group) }
}

/// A demo as the command line and the menu list it.
public struct DemoEntry: Sendable {
    public let name: String
    public let summary: String
    /// Workers the demo is written for (the pool is sized for the first demo).
    public let workers: Int
    public let make: @Sendable (DemoSettings) -> any Demo
    /// Takes `--jobs` (the others have fixed populations and refuse it).
    public var takesJobCount: Bool { name == "scale" }
}

/// What the command line may tune in a demo.
public struct DemoSettings: Sendable {
    /// Seed for the demo's random draws (nil: a fresh one each run).
    public var seed: UInt64?
    /// Job count, for demos that take one (`scale`).
    public var jobs: Int?
    public init(seed: UInt64? = nil, jobs: Int? = nil) { self.seed = seed; self.jobs = jobs }
}

/// Every demo, by name (the names are the interface).
public enum DemoCatalog {
    public static let all: [DemoEntry] = [
        DemoEntry(name: "refresh", summary: "objects refreshing at their own changing intervals on a 12-worker pool, retiring and arriving (seed 000)",
                  workers: 12, make: { RefreshDemo(seed: $0.seed) }),
        DemoEntry(name: "pipeline", summary: "a bursty producer, a bounded queue of 10, a slow consumer: the queue pins full, the producer blocks, nothing is lost",
                  workers: 3, make: { PipelineDemo(seed: $0.seed) }),
        DemoEntry(name: "race", summary: "four threads add to shared totals by read, pause, write: the unsafe total loses updates, the locked one none",
                  workers: 4, make: { _ in RaceDemo() }),
        DemoEntry(name: "integrate", summary: "numerical integration split over 1-4 threads: the result against pi and the measured speed-up (no GIL)",
                  workers: 4, make: { _ in IntegrateDemo() }),
        DemoEntry(name: "poll", summary: "a ThreadDict: keys refreshed at their own periods into a cache with expiry; stale values marked",
                  workers: 7, make: { PollDemo(seed: $0.seed) }),
        DemoEntry(name: "blink", summary: "one animation job drives 16 LEDs in step; they reach the screen only through the main loop",
                  workers: 1, make: { _ in BlinkDemo() }),
        DemoEntry(name: "timers", summary: "one-shot timers, ten a second, a third cancelled before they fire: fired + cancelled = created",
                  workers: 4, make: { TimersDemo(seed: $0.seed) }),
        DemoEntry(name: "faults", summary: "jobs that throw, overrun (three missed-tick policies), time out, and hang ignoring cancel: nothing hidden",
                  workers: 8, make: { FaultsDemo(seed: $0.seed) }),
        DemoEntry(name: "primitives", summary: "a semaphore pool of 3, an event gate, a barrier of 4, a condition handoff: threads waiting on each",
                  workers: 16, make: { PrimitivesDemo(seed: $0.seed) }),
        DemoEntry(name: "results", summary: "a main loop sends out one-off work; results, failures and cancels come back through a delivery queue, never on a worker",
                  workers: 4, make: { ResultsDemo(seed: $0.seed) }),
        DemoEntry(name: "scale", summary: "100,000 periodic jobs (--jobs to change): the engine and the dashboard at scale",
                  workers: 4, make: { ScaleDemo(seed: $0.seed, jobs: $0.jobs ?? 100_000) }),
    ]

    public static func named(_ name: String) -> DemoEntry? { all.first { $0.name == name } }
    public static var names: [String] { all.map(\.name) }
}
