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
    /// The job whose detail the sampler looked for (nil: none asked).
    public var detailRequested: JobID?
    public var events: [EngineEvent]
    public var missedEvents: UInt64
    /// Figures a demo wants shown (title → lines), in display order.
    public var panels: [DemoPanel]
    /// How long the sample took (shown in the help overlay; observing must be cheap).
    public var sampleNs: Int64
    /// What became of commands since the last frame ("started demo race"),
    /// oldest first: the footer shows the newest.
    public var notices: [String]
    /// The open detail's recent runs with their output, when it is a
    /// command job (nil for the demos' jobs).
    public var runs: RunHistory?

    public init(snapshot: EngineSnapshot, page: JobPage, query: JobQuery, detail: JobDetail? = nil,
                detailRequested: JobID? = nil,
                events: [EngineEvent] = [], missedEvents: UInt64 = 0, panels: [DemoPanel] = [], sampleNs: Int64 = 0,
                notices: [String] = [], runs: RunHistory? = nil) {
        self.snapshot = snapshot; self.page = page; self.query = query; self.detail = detail
        self.detailRequested = detailRequested ?? detail?.info.id
        self.events = events; self.missedEvents = missedEvents; self.panels = panels; self.sampleNs = sampleNs
        self.notices = notices; self.runs = runs
    }
}

/// A demo's own small figures panel (e.g. the race totals): its name, what
/// it is doing (`running`, `stopping`, `stopped`, `failed: …`) and short
/// items ("lost 12") that the view flows into as many columns as fit.
public struct DemoPanel: Sendable, Equatable {
    public var name: String
    public var status: String
    public var items: [String]
    public init(name: String, status: String = "running", items: [String]) {
        self.name = name; self.status = status; self.items = items
    }
    public var isRunning: Bool { status == "running" }
    /// Running, or stopped but with jobs still winding down: not to be launched again yet.
    public var isActive: Bool { isRunning || status == "stopping" }
    public var title: String { isRunning ? name : "\(name) (\(status))" }

    /// One figure as the panel shows it: counts grouped like every other
    /// number on screen (`jobs 1,000,000`), a counted message as `2× message`.
    public static func item(label: String, value: String, isMessage: Bool = false) -> String {
        let shown = Int(value).map(Format.grouped) ?? value
        return isMessage ? "\(shown)× \(label)" : "\(label) \(shown)"
    }
}

/// A demo the launch menu offers.
public struct DemoListing: Sendable, Equatable {
    public var name: String
    public var summary: String
    public init(name: String, summary: String) { self.name = name; self.summary = summary }
}

/// What the dashboard needs of whoever runs the demos: the menu's list,
/// the figures panels, and launch and stop by name (each returns a line
/// saying what happened). Called on the sampler thread, never the main one.
public struct DemoControls: Sendable {
    public var catalog: [DemoListing]
    public var panels: @Sendable () -> [DemoPanel]
    public var launch: @Sendable (String) -> String
    public var stop: @Sendable (String) -> String
    public init(catalog: [DemoListing] = [], panels: @escaping @Sendable () -> [DemoPanel] = { [] },
                launch: @escaping @Sendable (String) -> String = { "no demos here: \($0)" },
                stop: @escaping @Sendable (String) -> String = { "no demos here: \($0)" }) {
        self.catalog = catalog; self.panels = panels; self.launch = launch; self.stop = stop
    }
}

/// What the dashboard needs of whoever runs command jobs (a job file): a
/// job's recent runs and output, killing the process group it runs now,
/// and reloading the file. Each returns a line saying what happened.
/// Called on the sampler thread, never the main one.
public struct CommandControls: Sendable {
    public var history: @Sendable (JobID) -> RunHistory?
    public var kill: @Sendable (JobID) -> String
    public var stop: @Sendable (JobID) -> String
    /// nil: no job file, nothing to reload.
    public var reload: (@Sendable () -> String)?
    public init(history: @escaping @Sendable (JobID) -> RunHistory? = { _ in nil },
                kill: @escaping @Sendable (JobID) -> String = { _ in "no command jobs here" },
                stop: @escaping @Sendable (JobID) -> String = { _ in "no command jobs here" },
                reload: (@Sendable () -> String)? = nil) {
        self.history = history; self.kill = kill; self.stop = stop; self.reload = reload
    }
}

/// What the main loop asks the sampler to fetch: derived from the UI state
/// after every key, so the next frame carries the rows the person now looks at.
public struct ViewRequest: Sendable, Equatable {
    public var query: JobQuery
    public var detail: JobID?
    public init(query: JobQuery, detail: JobID?) { self.query = query; self.detail = detail }
}
