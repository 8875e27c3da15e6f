/// Where each panel goes for a given size. Shared by the view (to draw) and
/// the state (to know how many task rows to ask the engine for), so the two
/// can never disagree.
///
///     header (2 rows: totals, then jobs per state)
///     ┌ threads ──────────────┐┌ queues ───────┐   side by side
///     ┌ tasks ─────────────────────────────────┐   (or the task detail)
///     ┌ events ────────────────────────────────┐
///     footer (keys, filter, flash)
public struct DashboardLayout: Equatable, Sendable {
    public static let minWidth = 60
    public static let minHeight = 16

    public let tooSmall: Bool
    public let header: Rect
    public let threads: Rect
    public let queues: Rect
    public let tasks: Rect
    public let events: Rect
    public let footer: Rect

    /// Rows of data inside each box (below the box's column header, if any).
    public var taskRows: Int { max(0, tasks.height - 3) }
    public var threadRows: Int { max(0, threads.height - 3) }
    public var queueRows: Int { max(0, queues.height - 3) }
    public var eventRows: Int { max(0, events.height - 2) }

    public init(_ state: DashboardState) {
        let w = state.width, h = state.height
        tooSmall = w < Self.minWidth || h < Self.minHeight
        header = Rect(x: 0, y: 0, width: w, height: 2)
        footer = Rect(x: 0, y: h - 1, width: w, height: 1)
        let body = h - 3
        let workers = state.shown?.snapshot.workers.count ?? 4
        let threadsWidth = w * 58 / 100
        let panelWidth = w - threadsWidth - 2
        let queueCount = (state.shown?.snapshot.queues.count ?? 1)
            + (state.shown?.panels.reduce(0) { $0 + 1 + Self.flowRows($1.items, width: panelWidth) } ?? 0)
        // The band holds every thread (plus the timer) when it can, but
        // never more than about a third of the body: tasks matter most.
        let wanted = max(workers + 1, queueCount) + 3
        let band = min(wanted, max(5, body * 35 / 100))
        let eventsHeight = body >= 30 ? 7 : body >= 20 ? 5 : 4
        let tasksHeight = body - band - eventsHeight
        threads = Rect(x: 0, y: 2, width: threadsWidth, height: band)
        queues = Rect(x: threadsWidth, y: 2, width: w - threadsWidth, height: band)
        tasks = Rect(x: 0, y: 2 + band, width: w, height: tasksHeight)
        events = Rect(x: 0, y: 2 + band + tasksHeight, width: w, height: eventsHeight)
    }

    /// Rows a panel's items take flowed like words into `width` columns,
    /// one column in from the edge and two apart (as the queues box draws them).
    public static func flowRows(_ items: [String], width: Int) -> Int {
        guard !items.isEmpty else { return 0 }
        var rows = 1, x = 1
        for item in items {
            let w = Screen.columns(of: item)
            if x > 1 && x + w > width { x = 1; rows += 1 }
            x += w + 2
        }
        return rows
    }

    /// The detail view takes the tasks and events area.
    public var detail: Rect { Rect(x: tasks.x, y: tasks.y, width: tasks.width, height: tasks.height + events.height) }
}
