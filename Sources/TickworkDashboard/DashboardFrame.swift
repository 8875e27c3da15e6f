import Tickwork

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
    public var events: [EngineEvent]
    public var missedEvents: UInt64
    /// Figures a demo wants shown (title → lines), in display order.
    public var panels: [DemoPanel]
    /// How long the sample took (shown in the help overlay; observing must be cheap).
    public var sampleNs: Int64

    public init(snapshot: EngineSnapshot, page: JobPage, query: JobQuery, detail: JobDetail? = nil,
                events: [EngineEvent] = [], missedEvents: UInt64 = 0, panels: [DemoPanel] = [], sampleNs: Int64 = 0) {
        self.snapshot = snapshot; self.page = page; self.query = query; self.detail = detail
        self.events = events; self.missedEvents = missedEvents; self.panels = panels; self.sampleNs = sampleNs
    }
}

/// A demo's own small figures panel (e.g. the race totals): a title and
/// short items ("lost 12") that the view flows into as many columns as fit.
public struct DemoPanel: Sendable, Equatable {
    public var title: String
    public var items: [String]
    public init(title: String, items: [String]) { self.title = title; self.items = items }
}

/// What the main loop asks the sampler to fetch: derived from the UI state
/// after every key, so the next frame carries the rows the person now looks at.
public struct ViewRequest: Sendable, Equatable {
    public var query: JobQuery
    public var detail: JobID?
    public init(query: JobQuery, detail: JobID?) { self.query = query; self.detail = detail }
}
