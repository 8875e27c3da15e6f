import TickworkModel

/// Everything one frame shows, sampled off the main thread by the sampler:
/// the engine's aggregate snapshot, the window of jobs the table needs, the
/// selected job's detail and the events since the last frame.
/// An immutable value: it crosses from the sampler thread to the main loop.
public struct DashboardFrame: Sendable {
    public var snapshot: EngineSnapshot
    public var page: JobPage
    /// The query that produced `page` (the table only trusts a page for its own query).
    public var query: JobQuery
    public var detail: JobDetail?
    /// The job whose detail the sampler looked for (nil: none asked).
    public var detailRequested: JobID?
    public var events: [EngineEvent]
    public var missedEvents: UInt64
    /// Figures a demo wants shown (title → lines), in display order.
    public var panels: [DemoPanel]
    /// How long the sample took (shown in the help overlay; observing must be cheap).
    public var sampleNs: Int64
    /// What became of commands since the last frame ("started demo race"),
    /// oldest first: the footer shows the newest message.
    public var outcomes: [CommandOutcome]
    /// The open detail's recent runs with their output, when it is a
    /// command job (nil for the demos' jobs).
    public var runs: RunHistory?

    public init(snapshot: EngineSnapshot, page: JobPage, query: JobQuery, detail: JobDetail? = nil,
                detailRequested: JobID? = nil,
                events: [EngineEvent] = [], missedEvents: UInt64 = 0, panels: [DemoPanel] = [], sampleNs: Int64 = 0,
                outcomes: [CommandOutcome] = [], runs: RunHistory? = nil) {
        self.snapshot = snapshot; self.page = page; self.query = query; self.detail = detail
        self.detailRequested = detailRequested ?? detail?.info.id
        self.events = events; self.missedEvents = missedEvents; self.panels = panels; self.sampleNs = sampleNs
        self.outcomes = outcomes; self.runs = runs
    }
}

/// What the main loop asks the sampler to fetch: derived from the UI state
/// after every key, so the next frame carries the rows the person now looks at.
public struct ViewRequest: Sendable, Equatable {
    public var query: JobQuery
    public var detail: JobID?
    public init(query: JobQuery, detail: JobID?) { self.query = query; self.detail = detail }
}
