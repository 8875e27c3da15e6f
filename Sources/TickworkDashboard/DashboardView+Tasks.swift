import TickworkModel

extension DashboardView {
    static let taskColumns = [
        Column(title: "name", width: 12, flexible: true, maxWidth: 28, priority: 0, takesRest: true),
        Column(title: "group", width: 8, flexible: true, maxWidth: 14, priority: 6),
        Column(title: "state", width: 10, priority: 0),
        Column(title: "schedule", width: 10, flexible: true, maxWidth: 18, priority: 5),
        Column(title: "next", width: 6, alignRight: true, priority: 1),
        Column(title: "last", width: 6, alignRight: true, priority: 2),
        Column(title: "runs", width: 5, alignRight: true, priority: 1),
        Column(title: "err", width: 4, alignRight: true, priority: 2),
        Column(title: "late", width: 6, alignRight: true, priority: 3),
        Column(title: "status", width: 8, flexible: true, maxWidth: 60, priority: 7, takesRest: true),
    ]

    /// The column each sort key orders (id sorts by submission: no column).
    static func taskColumn(for key: JobQuery.SortKey) -> Int? {
        switch key {
        case .id: return nil
        case .name: return 0
        case .group: return 1
        case .state: return 2
        case .schedule: return 3
        case .nextDue: return 4
        case .lastDuration: return 5
        case .runs: return 6
        case .errors: return 7
        case .lateness: return 8
        case .status: return 9
        }
    }

    /// The tasks table: only the visible rows, which is all the engine sent.
    static func renderTasks(_ screen: inout Screen, _ state: DashboardState, _ frame: DashboardFrame,
                            _ layout: DashboardLayout) {
        let g = state.glyphs
        let page = frame.page
        let rows = layout.taskRows
        let current = state.tableIsCurrent
        let matching = state.matching
        let inner = screen.box(layout.tasks, title: tasksTitle(state, frame, rows: rows), focused: state.focus == .tasks, g)
        guard inner.height >= 2 else { return }
        let fitted = fitColumns(taskColumns, total: inner.width, x: inner.x)
        screen.tableHeader(fitted, y: inner.y, g, marked: taskColumn(for: state.sort), descending: state.descending)
        if current && matching == 0 {
            let why = state.filter.isEmpty
                ? (state.hidesFinishedNow
                    ? (frame.panels.contains { $0.name == "cluster" }
                        ? "no run of the cluster's is on this node now (h shows those it ran; the cluster panel, the latest anywhere)"
                        : "every task has finished (h shows them)")
                    : "no jobs yet")
                : "no job matches the filter (Esc clears it)"
            screen.put(why, x: inner.x + 1, y: inner.y + 1, style: .dim, limit: inner.width - 1)
            return
        }
        for (k, job) in page.jobs.enumerated() {
            let index = page.offset + k
            let row = index - state.top
            guard row >= 0 && row < rows else { continue }
            let y = inner.y + 1 + row
            screen.tableRow(fitted, y: y, taskCells(job, g), g)
            // Rows of an older query are dimmed until the new result arrives.
            if !current { screen.restyle(Rect(x: inner.x, y: y, width: inner.width, height: 1), .dim) }
            else if job.id == state.selected {
                screen.restyle(Rect(x: inner.x, y: y, width: inner.width, height: 1),
                               state.focus == .tasks ? .selected : .header)
            }
        }
    }

    /// "tasks 29 · 1-6 · by id▲", with the filter, what is hidden, a held
    /// order, and "sorting…" while the rows on view answer an older query.
    static func tasksTitle(_ state: DashboardState, _ frame: DashboardFrame, rows: Int) -> String {
        let g = state.glyphs
        let matching = state.matching
        var title = "tasks \(Format.grouped(matching))"
        if !state.filter.isEmpty { title += " matching \"\(state.filter)\"" }
        if state.hideFinished && state.finishedInTable(shown: true) > 0 && state.filterParts.states == nil {
            title += " (\(Format.grouped(state.finishedInTable(shown: true))) finished hidden)"
        }
        if matching > 0 {
            title += " \(g.bullet) \(state.top + 1)-\(min(matching, state.top + rows)) "
        }
        title += " \(g.bullet) by \(state.sort.columnTitle)\(state.descending ? g.down : g.up)"
        if !state.tableIsCurrent {
            let q = state.tableQuery, old = frame.query
            let what = q.sort != old.sort || q.descending != old.descending ? "sorting" : "filtering"
            title += " \(g.bullet) \(what)\(g.ellipsis)"
        } else if state.heldOrder != nil {
            title += " \(g.bullet) order held"
        }
        return title
    }

    static func taskCells(_ job: JobInfo, _ g: Glyphs) -> [(String, Style)] {
        // Countdowns are taken at the instant the record was read, so one never exceeds its period.
        let now = job.sampledAtNs
        let next: String
        if let due = job.nextDueNs {
            next = due <= now ? "now" : Format.duration(due - now, g)
        } else { next = job.state == .queued ? "now" : "-" }
        var status = job.status ?? ""
        if let p = job.progress { status = Format.percent(p) + (status.isEmpty ? "" : " " + status) }
        if job.stuck { status = "STUCK " + status }
        if let e = job.lastError, job.state == .failed || status.isEmpty { status = e.message }
        if job.pausePending && job.state != .paused { status = "pauses after this run " + status }
        let stateWord = job.state.rawValue
        return [
            (job.name, .bold), (job.group, .dim), (stateWord, stateStyle(job.state)), (job.schedule, .dim),
            (next, .normal),
            (job.lastDurationNs.map { Format.duration($0, g) } ?? "-", .normal),
            (Format.count(job.runs), .normal),
            (Format.count(job.errors), job.errors > 0 ? .error : .dim),
            (job.lastLatenessNs.map { Format.duration($0, g) } ?? "-", (job.lastLatenessNs ?? 0) > 100_000_000 ? .warn : .normal),
            (status, job.state == .failed || job.stuck ? .error : .dim),
        ]
    }
}
