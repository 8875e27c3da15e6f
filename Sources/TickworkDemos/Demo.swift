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
}

/// One labelled number of a demo.
public struct DemoFigure: Sendable, Equatable {
    public var label: String
    public var value: String
    public init(_ label: String, _ value: String) { self.label = label; self.value = value }
}

/// A demo as the command line and the menu list it.
public struct DemoEntry: Sendable {
    public let name: String
    public let summary: String
    /// Workers the demo is written for (the pool is sized for the first demo).
    public let workers: Int
    public let make: @Sendable (DemoSettings) -> any Demo
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
        DemoEntry(name: "scale", summary: "100,000 periodic jobs (--jobs to change): the engine and the dashboard at scale",
                  workers: 4, make: { ScaleDemo(seed: $0.seed, jobs: $0.jobs ?? 100_000) }),
    ]

    public static func named(_ name: String) -> DemoEntry? { all.first { $0.name == name } }
    public static var names: [String] { all.map(\.name) }
}
