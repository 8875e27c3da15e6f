import TickworkModel

extension DashboardView {
    /// One row per worker (OS thread id, what it does, for how long, busy
    /// and CPU share), after a row for the engine's timer thread.
    static func renderThreads(_ screen: inout Screen, _ state: DashboardState, _ frame: DashboardFrame,
                              _ layout: DashboardLayout) {
        let s = frame.snapshot, g = state.glyphs
        let retiring = s.workers.filter(\.retiring).count
        // Written-off threads still exist (a thread cannot be killed) but
        // are no longer the pool's: counted apart.
        let stuck = s.workers.filter { $0.phase == .stuck && !$0.retiring }.count
        let pool = s.workers.count - retiring - stuck
        let title = "threads \(pool)" + (retiring > 0 ? " (\(retiring) leaving)" : "") + (stuck > 0 ? " +\(stuck) stuck" : "")
            + (s.targetWorkers != pool ? " → \(s.targetWorkers)" : "")
        let inner = screen.box(layout.threads, title: title, focused: state.focus == .threads, g)
        guard inner.height >= 2 else { return }
        let columns = [
            Column(title: "tid", width: 6, alignRight: true, priority: 0),
            Column(title: "state", width: 8, priority: 0),
            Column(title: "job", width: 8, flexible: true, maxWidth: 24, priority: 1, takesRest: true),
            Column(title: "for", width: 6, alignRight: true, priority: 2),
            Column(title: "busy", width: 8, flexible: true, maxWidth: 14, priority: 3),
            Column(title: "cpu", width: 4, alignRight: true, priority: 4),
        ]
        let fitted = fitColumns(columns, total: inner.width, x: inner.x)
        screen.tableHeader(fitted, y: inner.y, g)
        let rows = layout.threadRows
        let top = min(state.threadTop, max(0, s.workers.count + 1 - rows))
        for r in 0..<rows {
            let i = top + r - 1   // -1 is the timer
            let y = inner.y + 1 + r
            if i == -1 {
                let t = s.timer
                screen.tableRow(fitted, y: y, [
                    ("\(t.tid)", .dim), ("timer", .bold), ("wakes \(Format.count(t.wakeups))", .dim),
                    (Format.duration(max(0, s.takenAtNs - t.sinceNs), g), .dim), ("", .normal),
                    (Format.percent(t.cpuFraction), .dim),
                ], g)
                continue
            }
            guard i < s.workers.count else { break }
            let w = s.workers[i]
            let phase = w.phase.rawValue + (w.retiring ? "*" : "")
            let busyColumn = fitted.first { $0.index == 4 }
            screen.tableRow(fitted, y: y, [
                ("\(w.tid)", .dim), (phase, phaseStyle(w.phase)),
                // A blocked run says on what: "client-3 on semaphore: connection pool".
                ((w.jobName ?? "") + (w.waitingOn.map { " on \($0)" } ?? ""), .normal),
                (Format.duration(max(0, s.takenAtNs - w.sinceNs), g), .dim), ("", .normal),
                (Format.percent(w.cpuFraction), .dim),
            ], g)
            if let b = busyColumn {
                let pct = Format.percent(w.busyFraction)
                let barWidth = b.column.width - 5
                if barWidth >= 2 { screen.bar(w.busyFraction, x: b.x, y: y, width: barWidth, g) }
                screen.put(Format.fit(pct, 4, alignRight: true), x: b.x + b.column.width - 4, y: y, style: .dim)
            }
        }
        if top > 0 {
            screen.put("\(g.up)\(top) more", x: inner.maxX - 9, y: layout.threads.y, style: .dim)
        }
        if top + rows < s.workers.count + 1 {
            screen.put("\(g.down)\(s.workers.count + 1 - top - rows) more", x: inner.maxX - 9, y: layout.threads.maxY - 1, style: .dim)
        }
    }

    static func phaseStyle(_ p: WorkerPhase) -> Style {
        switch p {
        case .running: return .running
        case .sleeping, .waiting: return .sleeping
        case .idle: return .idle
        default: return .warn
        }
    }
}
