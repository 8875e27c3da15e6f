import TickworkModel

/// The whole screen as a function of the state: `render(state) → Screen`.
/// No terminal, no clock (times are relative to the frame's snapshot), no
/// engine calls — so every screen can be checked in a unit test.
public enum DashboardView {
    public static func render(_ state: DashboardState) -> Screen {
        var screen = Screen(width: state.width, height: state.height)
        let layout = DashboardLayout(state)
        let g = state.glyphs
        if layout.tooSmall {
            renderTooSmall(&screen, state)
            return screen
        }
        guard let frame = state.shown else {
            screen.put("Tickwork", x: 1, y: 0, style: .title)
            screen.put("starting the engine\(g.ellipsis)", x: 1, y: 2, style: .dim)
            renderFooter(&screen, state, layout)
            return screen
        }
        renderHeader(&screen, state, frame, layout.header)
        renderThreads(&screen, state, frame, layout)
        renderQueues(&screen, state, frame, layout)
        if state.detail != nil {
            renderDetail(&screen, state, frame, layout.detail)
        } else {
            renderTasks(&screen, state, frame, layout)
            renderEvents(&screen, state, layout)
        }
        renderFooter(&screen, state, layout)
        switch state.overlay {
        case .help: renderHelp(&screen, state)
        case .confirmCancel(let id, let name): renderConfirm(&screen, state, name: "\(name) (\(id))")
        case .demos(let row): renderDemosMenu(&screen, state, row: row)
        case .confirmKill(let id, let name, let pid): renderConfirmKill(&screen, state, name: "\(name) (\(id))", pid: pid)
        case .confirmStopServer: renderConfirmStopServer(&screen, state)
        case .lostServer(let why): renderLostServer(&screen, state, why: why)
        case .none: if state.quitting { renderStopping(&screen, state, frame) }
        }
        return screen
    }

    /// Below the minimum size: a notice in place of a garbled layout.
    static func renderTooSmall(_ screen: inout Screen, _ state: DashboardState) {
        let lines = Format.wrap(["terminal too small",
                                 "need \(DashboardLayout.minWidth)x\(DashboardLayout.minHeight), have \(state.width)x\(state.height)",
                                 "enlarge it, or press q to quit"], width: max(1, state.width))
        let top = max(0, (state.height - lines.count) / 2)
        for (i, line) in lines.enumerated() {
            let x = max(0, (state.width - Screen.columns(of: line)) / 2)
            screen.put(line, x: x, y: top + i, style: i == 0 ? .warn : .normal)
        }
    }

    static func renderHeader(_ screen: inout Screen, _ state: DashboardState, _ frame: DashboardFrame, _ r: Rect) {
        let s = frame.snapshot, g = state.glyphs
        var x = screen.put(" Tickwork ", x: 0, y: r.y, style: .title)
        if let server = state.attached {
            // Whose engine this is: the server's name and pid, or only the pid when narrow.
            let ro = server.readOnly ? " read-only" : ""
            let full = " @ \(server.name) (pid \(server.pid))\(ro)", short = " @ pid \(server.pid)\(ro)"
            x += screen.put(Screen.columns(of: full) <= r.width / 3 ? full : short, x: x, y: r.y, style: .bold,
                            limit: max(0, r.width / 3))
        }
        func item(_ label: String, _ value: String, _ style: Style = .bold) {
            guard x < r.width - 2 else { return }
            x += screen.put("  \(label) ", x: x, y: r.y, style: .dim)
            x += screen.put(value, x: x, y: r.y, style: style)
        }
        item("up", Format.clock(s.uptimeNs))
        // The pool as it stands: busy of those staying; leaving ones (a shrink) apart.
        let staying = s.workers.filter { !$0.retiring && $0.phase != .stuck }
        let leaving = s.workers.filter(\.retiring).count
        item("workers", "\(staying.filter(\.isBusy).count)/\(staying.count) busy" + (leaving > 0 ? " +\(leaving) leaving" : ""))
        item("runs", state.shownHistory.runsPerSecond.map { Format.rate($0) } ?? "-")
        let p99 = state.shownHistory.recentLatenessMicros(0.99)
        item("late p99", p99.map { Format.duration(Int64($0 * 1000), g) } ?? "-",
             (p99 ?? 0) > 100_000 ? .warn : .bold)
        item("errors", Format.grouped(s.errors), s.errors > 0 ? .error : .bold)

        // Banners at the right: what is not normal right now.
        var banners: [String] = []
        if s.isShuttingDown || state.quitting { banners.append("STOPPING") }
        if state.allPaused { banners.append("PAUSED") }
        if state.isFrozen { banners.append("FROZEN") }
        var bx = r.width
        for b in banners.reversed() {
            let text = " \(b) "
            bx -= Screen.columns(of: text) + 1
            if bx <= x { break }
            screen.put(text, x: bx, y: r.y, style: .banner)
        }

        // Second row: jobs per state, in the engine's words; zero counts
        // of the rarer states are left out when the row is short of room.
        x = screen.put(" jobs \(Format.grouped(s.totalJobs - s.forgottenJobs)):", x: 0, y: r.y + 1, style: .dim)
        let always: Set<JobState> = [.scheduled, .queued, .running, .sleeping]
        var entries = JobState.allCases.map { ($0, s.count($0)) }
        func length(_ gap: Int) -> Int { entries.reduce(0) { $0 + $1.0.rawValue.count + Format.grouped($1.1).count + 1 + gap } }
        if x + length(2) > r.width { entries = entries.filter { always.contains($0.0) || $0.1 > 0 } }
        let gap = x + length(2) > r.width ? " " : "  "
        for (st, n) in entries {
            guard x < r.width else { break }
            x += screen.put("\(gap)\(st.rawValue) ", x: x, y: r.y + 1, style: .dim)
            x += screen.put(Format.grouped(n), x: x, y: r.y + 1, style: n > 0 ? stateStyle(st) : .dim)
        }
    }

    static func renderFooter(_ screen: inout Screen, _ state: DashboardState, _ layout: DashboardLayout) {
        let r = layout.footer
        guard r.y >= 0 else { return }
        if state.editingFilter {
            let x = screen.put(" filter: ", x: 0, y: r.y, style: .key)
            let shown = screen.put(state.filter, x: x, y: r.y, style: .bold)
            screen.put("_", x: x + shown, y: r.y, style: .bold)
            screen.put("  (Enter keeps, Esc clears; words like failed or running filter by state)",
                       x: x + shown + 2, y: r.y, style: .dim)
            return
        }
        var x = 0
        if let flash = state.flash {
            x = screen.put(" " + flash + " ", x: 0, y: r.y, style: .bold)
        }
        let q = state.attached != nil ? "detach" : "quit"
        let keys: [(String, String)] = state.detail != nil
            ? [("Esc", "back"), ("p", "pause"), ("c", "cancel"), ("?", "help"), ("q", q)]
            : [("q", q), ("?", "help"), ("/", "filter"), ("Enter", "detail"), ("p", "pause"), ("c", "cancel"),
               ("n", "demos"), ("+/-", "workers"), ("Space", "freeze"), ("<>", "sort"), ("Tab", "panel")]
        for (k, what) in keys {
            let width = Screen.columns(of: k) + Screen.columns(of: what) + 2
            guard x + width < r.width else { break }
            x += screen.put(" " + k, x: x, y: r.y, style: .key)
            x += screen.put(" " + what, x: x, y: r.y, style: .dim)
        }
        if !state.filter.isEmpty {
            let text = " filter: \(state.filter) "
            let fx = r.width - Screen.columns(of: text)
            if fx > x { screen.put(text, x: fx, y: r.y, style: .banner) }
        }
    }

    /// The style a state word is drawn in.
    static func stateStyle(_ s: JobState) -> Style {
        switch s {
        case .running: return .running
        case .sleeping: return .sleeping
        case .scheduled, .queued: return .normal
        case .paused, .cancelling: return .paused
        case .failed: return .error
        case .cancelled, .retired: return .dim
        }
    }
}
