import TickworkModel

extension DashboardView {
    /// The keys, as the help overlay lists them (also the README's table).
    public static let helpLines: [(String, String)] = [
        ("q  Ctrl-C", "quit: waits for running jobs; q again forces"),
        ("?  F1", "this help (any key closes it)"),
        ("↑ ↓  j k", "move in the focused panel"),
        ("PgUp PgDn", "page up / down"),
        ("Home End  g G", "first / last row"),
        ("Tab  Shift-Tab", "focus the next / previous panel"),
        ("Enter  Esc", "task detail / back (Esc also clears the filter)"),
        ("/", "filter by name or group; state words (failed...) by state"),
        ("< >  ← →", "sort by the previous / next column"),
        ("I", "invert the sort"),
        ("p", "pause / resume the task (the queue, in queues)"),
        ("P", "pause everything / resume exactly what P paused"),
        ("h", "hide / show finished tasks (retired, cancelled)"),
        ("n", "demos: launch one, or stop one (its jobs cancelled)"),
        ("c", "cancel the selected task (asks y/n)"),
        ("r", "run the selected task once now (its schedule stays)"),
        ("K", "kill a command job's running process group (asks y/n)"),
        ("S", "pause a command job and stop (SIGSTOP) its running group"),
        ("R  SIGHUP", "reload the job file (--file): added, changed, removed"),
        ("+  -", "grow / shrink the worker pool"),
        ("Space  z", "freeze the display (sampling goes on)"),
        ("[  ]", "slower / faster refresh"),
        ("Ctrl-L", "redraw the screen"),
        ("Ctrl-Z", "suspend: stops every job; press twice (fg resumes)"),
    ]

    /// The keys when attached to a server: `q` detaches, `Q` stops the
    /// server, Ctrl-Z suspends only this dashboard.
    public static let attachedHelpLines: [(String, String)] =
        [("q  Ctrl-C", "detach: the server and its jobs go on"), ("Q", "stop the server, its engine and every job (asks y/n)")]
        + helpLines.dropFirst().map { $0.0 == "Ctrl-Z" ? ("Ctrl-Z", "suspend this dashboard only (fg resumes)") : $0 }

    static func centered(_ screen: inout Screen, width: Int, height: Int, title: String, _ g: Glyphs) -> Rect {
        let w = min(width, screen.width - 2), h = min(height, screen.height - 2)
        let r = Rect(x: (screen.width - w) / 2, y: (screen.height - h) / 2, width: w, height: h)
        screen.fill(r)
        return screen.box(r, title: title, focused: true, g)
    }

    static func renderHelp(_ screen: inout Screen, _ state: DashboardState) {
        let g = state.glyphs
        let helpLines = state.attached != nil ? attachedHelpLines : helpLines
        let keyWidth = 16
        let inner = centered(&screen, width: 84, height: helpLines.count + 4, title: "keys", g)
        // The refresh note only when every key fits above it.
        let withNote = inner.height >= helpLines.count + 2
        // Too short for every key: the last row says how many are left out.
        let fits = withNote ? helpLines.count : min(helpLines.count, helpLines.count <= inner.height ? inner.height : inner.height - 1)
        for (i, (keys, what)) in helpLines.enumerated() where i < fits {
            let shownKeys = g == .ascii ? keys.replacingArrows() : keys
            screen.put(shownKeys, x: inner.x + 1, y: inner.y + i, style: .key, limit: keyWidth)
            screen.put(what, x: inner.x + 1 + keyWidth, y: inner.y + i, limit: inner.width - keyWidth - 2)
        }
        if fits < helpLines.count, inner.height > 0 {
            let rest = helpLines.dropFirst(fits).map { $0.0 }.joined(separator: ", ")
            screen.put("\(g.down) \(helpLines.count - fits) more (\(rest)): a taller terminal shows them; the README lists every key",
                       x: inner.x + 1, y: inner.maxY - 1, style: .dim, limit: inner.width - 2)
        }
        if withNote, let f = state.shown {
            let note = "refresh \(Format.fixed(state.refreshHz, 1)) Hz \(g.bullet) last sample took \(Format.duration(f.sampleNs, g))"
            screen.put(note, x: inner.x + 1, y: inner.maxY - 1, style: .dim, limit: inner.width - 2)
        }
    }

    /// The demos menu: every demo, whether it runs, and what it shows.
    static func renderDemosMenu(_ screen: inout Screen, _ state: DashboardState, row: Int) {
        let g = state.glyphs
        let catalog = state.demoCatalog
        let inner = centered(&screen, width: 100, height: catalog.count + 5, title: "demos", g)
        let nameWidth = (catalog.map { Screen.columns(of: $0.name) }.max() ?? 0) + 2
        let statusWidth = 10
        for (i, demo) in catalog.enumerated() where i < inner.height - 2 {
            let y = inner.y + i
            let status = state.demoPanel(demo.name)?.status ?? ""
            screen.put(demo.name, x: inner.x + 1, y: y, style: .bold, limit: nameWidth)
            screen.put(status, x: inner.x + 1 + nameWidth, y: y,
                       style: state.demoPanel(demo.name)?.isRunning == true ? .running : .dim, limit: statusWidth)
            screen.put(demo.summary, x: inner.x + 1 + nameWidth + statusWidth, y: y,
                       limit: inner.width - nameWidth - statusWidth - 2)
            if i == row { screen.restyle(Rect(x: inner.x, y: y, width: inner.width, height: 1), .selected) }
        }
        screen.put("Enter: launch   x: stop (cancels its jobs)   Esc: close", x: inner.x + 1, y: inner.maxY - 1,
                   style: .key, limit: inner.width - 2)
    }

    static func renderConfirm(_ screen: inout Screen, _ state: DashboardState, name: String) {
        renderQuestion(&screen, state, title: "cancel", question: "Cancel \(name)?", answers: "y: cancel it   any other key: keep it")
    }

    static func renderConfirmKill(_ screen: inout Screen, _ state: DashboardState, name: String, pid: Int32) {
        renderQuestion(&screen, state, title: "kill", question: "Kill \(name)'s process group \(pid) now (SIGKILL)?",
                       answers: "y: kill it   any other key: leave it")
    }

    static func renderConfirmStopServer(_ screen: inout Screen, _ state: DashboardState) {
        let name = state.attached.map { "\($0.name) (pid \($0.pid))" } ?? "the server"
        renderQuestion(&screen, state, title: "stop server", question: "Stop the server \(name), its engine and every job?",
                       answers: "y: stop it   any other key: leave it running (q only detaches)")
    }

    /// Attached, and the server went away: why, and what the person can do.
    static func renderLostServer(_ screen: inout Screen, _ state: DashboardState, why: String) {
        let path = state.attached?.path ?? ""
        let inner = centered(&screen, width: max(50, min(state.width - 4, Screen.columns(of: why) + 4)), height: 6,
                             title: "server gone", state.glyphs)
        screen.put("lost the server at \(path)", x: inner.x + 1, y: inner.y, style: .warn, limit: inner.width - 2)
        screen.put(why, x: inner.x + 1, y: inner.y + 1, limit: inner.width - 2)
        screen.put("r: reconnect   q: leave", x: inner.x + 1, y: inner.y + 3, style: .dim, limit: inner.width - 2)
    }

    /// A y/n question in a box of its own.
    private static func renderQuestion(_ screen: inout Screen, _ state: DashboardState, title: String, question: String, answers: String) {
        let inner = centered(&screen, width: max(44, Screen.columns(of: question) + 4), height: 5, title: title, state.glyphs)
        screen.put(question, x: inner.x + 1, y: inner.y, style: .bold, limit: inner.width - 2)
        screen.put(answers, x: inner.x + 1, y: inner.y + 2, style: .dim, limit: inner.width - 2)
    }

    /// While quitting: what the engine still waits for.
    static func renderStopping(_ screen: inout Screen, _ state: DashboardState, _ frame: DashboardFrame) {
        let busy = frame.snapshot.workers.filter { $0.jobName != nil }
        let inner = centered(&screen, width: 60, height: min(8, busy.count + 5), title: "stopping", state.glyphs)
        screen.put(busy.isEmpty ? "stopping the engine\(state.glyphs.ellipsis)"
                                : "waiting for \(busy.count) running job\(busy.count == 1 ? "" : "s") to end:",
                   x: inner.x + 1, y: inner.y, style: .bold, limit: inner.width - 2)
        var y = inner.y + 1
        for w in busy where y < inner.maxY - 1 {
            let text = "\(w.jobName ?? "") (\(w.phase.rawValue) \(Format.duration(max(0, frame.snapshot.takenAtNs - w.sinceNs), state.glyphs)))"
            screen.put(text, x: inner.x + 2, y: y, limit: inner.width - 3)
            y += 1
        }
        screen.put("press q again to quit now", x: inner.x + 1, y: inner.maxY - 1, style: .key, limit: inner.width - 2)
    }
}

extension String {
    /// Arrow glyphs spelled out for ASCII terminals.
    func replacingArrows() -> String {
        var out = ""
        for c in self {
            switch c {
            case "↑": out += "Up"
            case "↓": out += "Down"
            case "←": out += "Left"
            case "→": out += "Right"
            default: out.append(c)
            }
        }
        return out
    }
}
