import Tickwork

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

    public var focus: Panel = .tasks
    /// The selected task, as a row index among the matching jobs.
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
    public var detail: JobID?
    public var overlay: Overlay = .none
    /// A graceful quit is under way (a second q forces).
    public var quitting = false
    /// `P` paused everything (the banner says so until `P` again).
    public var allPaused = false
    /// The pool size last asked for, until a frame shows it (so a quick
    /// `+ + +` counts three, not one).
    public var workerTarget: Int?
    /// The last action's one-line outcome, shown in the footer.
    public var flash: String?
    /// The demos the menu (`n`) can launch.
    public var demoCatalog: [DemoListing]

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
    public var request: ViewRequest {
        let parts = filterParts
        let rows = DashboardLayout(self).taskRows
        return ViewRequest(query: JobQuery(states: parts.states, text: parts.text, sort: sort, descending: descending,
                                           offset: top, limit: max(1, rows)),
                           detail: detail)
    }

    /// The job under the cursor, if its row is in the current page.
    public var selectedJob: JobInfo? {
        guard let frame = shown else { return nil }
        let i = cursor - frame.query.offset
        return i >= 0 && i < frame.page.jobs.count ? frame.page.jobs[i] : nil
    }

    /// Jobs matching the current filter, per the newest page.
    public var matching: Int { shown?.page.matching ?? 0 }
}
