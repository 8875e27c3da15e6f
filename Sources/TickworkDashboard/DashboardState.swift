import TickworkModel

/// The panels that can hold the focus (Tab cycles them in this order).
public enum Panel: Int, CaseIterable, Sendable {
    case threads, queues, tasks, events
}

/// A modal layer over the main view.
public enum Overlay: Equatable, Sendable {
    case none
    case help
    /// "Cancel job X? y/n"
    case confirmCancel(JobID, String)
    /// The demos menu, its cursor on a row of `DashboardState.demoCatalog`.
    case demos(Int)
    /// "Kill job X's process group N now? y/n"
    case confirmKill(JobID, String, Int32)
    /// Attached: "Stop the server (its engine and every job)? y/n"
    case confirmStopServer
    /// Attached: the server went away (why); r reconnects, q leaves.
    case lostServer(String)
}

/// The server a dashboard is attached to (`tickwork attach`): `q` then
/// detaches and leaves it running, `Q` stops it (confirmed), Ctrl-Z
/// suspends only the dashboard.
public struct AttachedServer: Sendable, Equatable {
    public var path: String
    public var name: String
    public var pid: Int32
    public var readOnly: Bool
    public init(path: String, name: String, pid: Int32, readOnly: Bool) {
        self.path = path; self.name = name; self.pid = pid; self.readOnly = readOnly
    }
}

/// Everything the dashboard knows: the newest frame from the engine, what it
/// remembers of earlier ones, and what the person has done (focus, cursor,
/// sort, filter, overlays). A value owned by the main loop; `update` is the
/// only way it changes and `DashboardView.render` the only way it is shown.
public struct DashboardState: Sendable {
    public var width: Int
    public var height: Int
    public var glyphs: Glyphs
    public var refreshHz: Double

    /// The newest frame; nil until the sampler's first arrives.
    public internal(set) var live: DashboardFrame?
    /// The frame on screen while frozen (sampling continues underneath).
    public internal(set) var frozen: DashboardFrame?
    public internal(set) var history = History()
    public internal(set) var frozenHistory: History?
    /// Recent engine events, oldest first (at most `eventMemory`).
    public internal(set) var events: [EngineEvent] = []
    public internal(set) var missedEvents: UInt64 = 0
    public static let eventMemory = 500

    /// The events as they stood when the screen froze.
    public internal(set) var frozenEvents: [EngineEvent]?

    public var focus: Panel = .tasks
    /// The job the selection is on. The cursor row follows it as the order
    /// changes; keys act on it and nothing else.
    public internal(set) var selected: JobID?
    /// The selection's row index among the matching jobs.
    public var cursor = 0
    /// The first task row shown.
    public var top = 0
    public var threadTop = 0
    public var queueCursor = 0
    /// Rows scrolled back from the newest event.
    public var eventScroll = 0
    public var sort: JobQuery.SortKey = .id
    public var descending = false
    public var filter = ""
    public var editingFilter = false
    /// The job whose detail is open.
    public var detail: JobID? { didSet { if detail != oldValue { detailRun = 0; outputScroll = 0 } } }
    /// In a command job's detail: the run shown, counted back from the
    /// newest (0), and how far its output is scrolled (lines from the top).
    public var detailRun = 0
    public var outputScroll = 0
    /// A job file is loaded, so `R` reloads it.
    public var canReload = false
    public var overlay: Overlay = .none
    /// A graceful quit is under way (a second q forces).
    public var quitting = false
    /// What `P` last asked for, until a frame shows the engine agrees.
    public internal(set) var allPausedAsked: Bool?
    /// Hide retired and cancelled tasks (`h` toggles).
    public var hideFinished = true
    /// While a person moves through the table the rows' order is held still:
    /// the ids of the rows on screen, fetched in that order until
    /// `holdUntilNs` (a frame's clock) passes.
    public internal(set) var heldOrder: [JobID]?
    public internal(set) var holdUntilNs: Int64?
    public static let holdNs: Int64 = 1_500_000_000
    /// Jobs matching the current filter, from the newest page that counted
    /// them (a held page does not).
    public internal(set) var matching = 0
    /// The pool size last asked for, until a frame shows it (so a quick
    /// `+ + +` counts three, not one).
    public var workerTarget: Int?
    /// The last action's one-line outcome, shown in the footer for `flashNs`.
    public var flash: String? { didSet { flashSetAtNs = live?.snapshot.takenAtNs } }
    public internal(set) var flashSetAtNs: Int64?

    /// A line whose time on screen starts with the next frame, not the
    /// last one (after a reconnect the last frame is old: the line would
    /// expire at once).
    mutating func flashFromNextFrame(_ text: String) {
        flash = text
        flashSetAtNs = nil
    }
    public static let flashNs: Int64 = 6_000_000_000
    /// A first Ctrl-Z warned; a second before this monotonic instant suspends.
    public internal(set) var suspendArmedUntilNs: Int64?
    public static let suspendConfirmNs: Int64 = 3_000_000_000
    /// Where the demos menu's cursor was when it last closed (it opens there).
    public var demoMenuRow = 0
    /// The demos the menu (`n`) can launch.
    public var demoCatalog: [DemoListing]
    /// Attached to a server in another process; nil for the engine in this one.
    public var attached: AttachedServer?

    public init(width: Int = 80, height: Int = 24, glyphs: Glyphs = .unicode, refreshHz: Double = 10,
                demoCatalog: [DemoListing] = []) {
        self.width = width; self.height = height; self.glyphs = glyphs; self.refreshHz = refreshHz
        self.demoCatalog = demoCatalog
    }

    /// The named demo's panel in the frame on view, if it was ever started.
    public func demoPanel(_ name: String) -> DemoPanel? { shown?.panels.first { $0.name == name } }

    public var isFrozen: Bool { frozen != nil }
    /// The frame to draw: the frozen one while frozen, else the newest.
    public var shown: DashboardFrame? { frozen ?? live }
    public var shownHistory: History { frozenHistory ?? history }

    /// The filter split into state words (`failed`, `running`, …) and free
    /// text matched against names and groups.
    public var filterParts: (states: Set<JobState>?, text: String?) {
        var states = Set<JobState>(), words: [String] = []
        for word in filter.split(separator: " ") {
            let w = word.lowercased()
            let bare = w.hasPrefix("state:") ? String(w.dropFirst(6)) : w
            if let s = JobState(rawValue: bare) { states.insert(s) } else { words.append(String(word)) }
        }
        return (states.isEmpty ? nil : states, words.isEmpty ? nil : words.joined(separator: " "))
    }

    /// What the sampler should fetch for the view as it now stands.
    public var request: ViewRequest { ViewRequest(query: tableQuery, detail: detail) }

    /// The table's query: the filter, the sort, and a window that follows the selection.
    public var tableQuery: JobQuery {
        let parts = filterParts
        var states = parts.states
        if states == nil && hidesFinishedNow { states = JobState.unfinished }
        let rows = max(1, DashboardLayout(self).taskRows)
        var q = JobQuery(states: states, text: parts.text, sort: sort, descending: descending, offset: top, limit: rows)
        if let held = heldOrder {
            q.pinned = held
            q.anchor = selected
        } else if let selected {
            q.anchor = selected
            q.anchorRow = cursor - top
        }
        return q
    }

    /// Finished tasks are hidden and there are some to hide (so a table with
    /// none keeps the engine's fast unfiltered path).
    public var hidesFinishedNow: Bool { hideFinished && finishedInTable() > 0 }
    /// Retired and cancelled jobs still in the engine's table, per the newest
    /// frame (what the next query hides) or, with `shown`, per the frame on screen.
    public func finishedInTable(shown: Bool = false) -> Int {
        guard let s = (shown ? self.shown : live)?.snapshot else { return 0 }
        return max(0, s.count(.retired) + s.count(.cancelled) - s.forgottenJobs)
    }

    /// `P` is in force: as asked, until the engine's own word arrives.
    public var allPaused: Bool { allPausedAsked ?? shown?.snapshot.pausedAll ?? false }

    /// The frame's rows answer the table's current filter and sort (else they
    /// belong to an older query and are shown as pending).
    public var tableIsCurrent: Bool { shown.map { $0.query.selectsSameJobs(as: tableQuery) } ?? false }

    /// The selected job, if its row is in the current page.
    public var selectedJob: JobInfo? {
        guard let frame = shown, let selected, tableIsCurrent else { return nil }
        return frame.page.jobs.first { $0.id == selected }
    }

    /// The job on row `index` of the page on view, if that page is current and holds it.
    func jobOnRow(_ index: Int) -> JobInfo? {
        guard let page = shown?.page, tableIsCurrent else { return nil }
        let k = index - page.offset
        return k >= 0 && k < page.jobs.count ? page.jobs[k] : nil
    }


    /// The events to draw: those of the frozen instant while frozen.
    public var shownEvents: [EngineEvent] { frozenEvents ?? events }
}
