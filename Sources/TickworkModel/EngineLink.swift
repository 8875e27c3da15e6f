/// What one frame asks of an engine: the window of jobs on view, the open
/// detail, and the events after the reader's last one.
public struct SampleRequest: Sendable, Equatable, Codable {
    public var query: JobQuery
    public var detail: JobID?
    public var eventsAfter: UInt64
    public var eventLimit: Int
    public init(query: JobQuery, detail: JobID? = nil, eventsAfter: UInt64 = 0, eventLimit: Int = 2000) {
        self.query = query; self.detail = detail; self.eventsAfter = eventsAfter; self.eventLimit = eventLimit
    }

    /// The most events a request read off the wire may ask for.
    public static let maximumDecodedEventLimit = 10_000

    private enum CodingKeys: String, CodingKey { case query, detail, eventsAfter, eventLimit }

    /// A request from a socket asks for 0…10,000 events.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let limit = try c.decodeIfPresent(Int.self, forKey: .eventLimit) ?? 2000
        self.init(query: try c.decode(JobQuery.self, forKey: .query), detail: try c.decodeIfPresent(JobID.self, forKey: .detail),
                  eventsAfter: try c.decodeIfPresent(UInt64.self, forKey: .eventsAfter) ?? 0,
                  eventLimit: Swift.min(Swift.max(0, limit), Self.maximumDecodedEventLimit))
    }
}

/// What the engine answered for one frame. The snapshot carries counters
/// only; each reader derives its own rates (`SnapshotRates`).
public struct EngineSample: Sendable, Equatable, Codable {
    public var snapshot: EngineSnapshot
    public var page: JobPage
    public var detail: JobDetail?
    /// The open detail's recent runs with their output, for a command job.
    public var runs: RunHistory?
    public var events: EventBatch
    /// Each running demo's figures.
    public var panels: [DemoPanel]
    public init(snapshot: EngineSnapshot, page: JobPage, detail: JobDetail? = nil, runs: RunHistory? = nil,
                events: EventBatch, panels: [DemoPanel] = []) {
        self.snapshot = snapshot; self.page = page; self.detail = detail; self.runs = runs
        self.events = events; self.panels = panels
    }
}

/// How an engine stopped: its report, and each run it abandoned by name
/// ("faults.hung (#4)").
public struct EngineStopped: Sendable, Equatable, Codable {
    public var report: ShutdownReport
    public var abandoned: [String]
    public init(report: ShutdownReport, abandoned: [String]) { self.report = report; self.abandoned = abandoned }
}

/// The one way a dashboard reaches an engine. Two implementations: the
/// engine in this process (`LocalEngineLink`, in TickworkLink) and one
/// across a socket, so the same screen shows either. A remote link can
/// fail (the other end went away), so reading and commanding throw.
///
/// Threads: called from one thread at a time (the dashboard's sampler),
/// never the main loop: a call may wait on engine locks or on the wire.
public protocol EngineLink: AnyObject, Sendable {
    /// The demos a person may launch (the launch menu's list).
    var demoCatalog: [DemoListing] { get }
    /// A job file is loaded, so reloading means something.
    var canReload: Bool { get }
    func sample(_ request: SampleRequest) throws -> EngineSample
    /// Carries out one command and says what became of it.
    func perform(_ command: EngineCommand) throws -> CommandOutcome
    /// The engine's graceful shutdown, within `deadline`.
    func shutdown(deadline: Duration) throws -> EngineStopped
}
