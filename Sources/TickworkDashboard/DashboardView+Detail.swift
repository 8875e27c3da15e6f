import TickworkModel

extension DashboardView {
    /// Everything known about one job: its figures, duration and lateness
    /// history, last errors, status and log lines. While the screen is
    /// frozen the detail stays live, and its title says so.
    static func renderDetail(_ screen: inout Screen, _ state: DashboardState, _ shown: DashboardFrame, _ r: Rect) {
        let g = state.glyphs
        guard let id = state.detail else { return }
        let frame = state.isFrozen ? (state.live ?? shown) : shown
        let live = state.isFrozen ? "  \(g.bullet) live (the rest of the screen is frozen)" : ""
        guard let d = frame.detail, d.info.id == id else {
            let inner = screen.box(r, title: "task \(id)\(live)", focused: true, g)
            // The sampler looked for it and found nothing: say so, never "loading" for ever.
            screen.put(frame.detailRequested == id
                       ? "this task is no longer known to the engine (forgotten after it finished); Esc goes back"
                       : "loading\(g.ellipsis)",
                       x: inner.x + 1, y: inner.y, style: .dim, limit: inner.width - 1)
            return
        }
        let j = d.info, now = j.sampledAtNs
        let inner = screen.box(r, title: "task \(j.name) \(j.id)  (Esc back)\(live)", focused: true, g)
        let worker = j.worker.flatMap { w in frame.snapshot.workers.first { $0.index == w } }
        guard inner.height >= 3 else { return }
        func ago(_ t: Int64?) -> String { t.map { Format.duration(max(0, now - $0), g) + " ago" } ?? "-" }
        func dur(_ t: Int64?) -> String { t.map { Format.duration($0, g) } ?? "-" }
        var next = "-"
        if let due = j.nextDueNs { next = due <= now ? "due now" : "in " + Format.duration(due - now, g) }
        if j.pendingRetry > 0 && j.nextDueNs != nil { next = "retry \(j.pendingRetry) of \(j.retries) " + next }
        let left: [(String, String, Style)] = [
            ("state", j.state.rawValue + (j.stuck ? " (STUCK)" : "") + (j.pausePending ? " (pauses after this run)" : ""),
             stateStyle(j.state)),
            ("group / queue", "\(j.group) / \(j.queue)", .normal),
            ("schedule", j.schedule, .normal),
            ("next", next, .normal),
            ("runs", Format.grouped(j.runs), .normal),
            ("errors", Format.grouped(j.errors) + (j.consecutiveFailures > 0 ? " (\(j.consecutiveFailures) in a row)" : ""),
             j.errors > 0 ? .error : .normal),
            ("back-off", j.backoffNs.map { Format.duration($0, g) } ?? "-", j.backoffNs != nil ? .warn : .normal),
            ("missed ticks", Format.grouped(j.misses), j.misses > 0 ? .warn : .normal),
            ("overflows", Format.grouped(j.overflows), j.overflows > 0 ? .warn : .normal),
            ("worker", worker.map { "thread \($0.tid)" + ($0.waitingOn.map { ", waiting on \($0)" } ?? "") } ?? "-",
             worker?.waitingOn != nil ? .warn : .normal),
        ]
        let right: [(String, String, Style)] = [
            ("last start", ago(j.lastStartNs), .normal),
            ("duration last", dur(j.lastDurationNs), .normal),
            ("duration mean/max", "\(dur(j.meanDurationNs)) / \(dur(j.maxDurationNs))", .normal),
            ("lateness last", dur(j.lastLatenessNs), .normal),
            ("lateness mean", dur(j.meanLatenessNs), .normal),
            ("lateness total", Format.duration(j.totalLatenessNs, g), .normal),
            ("usage", Format.percent(j.usage), .normal),
            ("progress", j.progress.map { Format.percent($0) } ?? "-", .normal),
            ("status", j.status ?? "-", .bold),
        ]
        let half = inner.width / 2
        // A command job in a short box: its runs and output matter most.
        if let runs = frame.runs, RunsGeometry.isCompact(inner) {
            keyValue(&screen, left[0], x: inner.x + 1, y: inner.y, width: half - 2)
            keyValue(&screen, left[3], x: inner.x + half, y: inner.y, width: inner.width - half)
            if inner.height > 1 {
                keyValue(&screen, right[8], x: inner.x + 1, y: inner.y + 1, width: inner.width - 2, labelWidth: min(19, (half - 2) / 2))
            }
            renderRuns(&screen, state, runs, inner)
            return
        }
        let rowsFor = min(max(left.count, right.count), inner.height)
        for i in 0..<rowsFor {
            let y = inner.y + i
            if i < left.count { keyValue(&screen, left[i], x: inner.x + 1, y: y, width: half - 2) }
            if i < right.count { keyValue(&screen, right[i], x: inner.x + half, y: y, width: inner.width - half) }
        }
        if j.progress != nil, rowsFor > 7, inner.width - half > 40 {
            screen.bar(j.progress ?? 0, x: inner.x + half + 24, y: inner.y + 7, width: min(20, inner.width - half - 30), g)
        }
        var y = inner.y + rowsFor + 1
        let sparkWidth = max(0, inner.width - 16)
        for (label, values) in [("duration", d.durationHistoryNs), ("lateness", d.latenessHistoryNs)] where y < inner.maxY {
            screen.put(label, x: inner.x + 1, y: y, style: .dim)
            if values.isEmpty { screen.put("no runs yet", x: inner.x + 16, y: y, style: .dim) }
            else {
                screen.sparkline(values.map { Double(max(0, $0)) }, x: inner.x + 16, y: y, width: min(sparkWidth, values.count), g)
            }
            y += 1
        }
        y += 1
        // A command job: its runs and their output say more than the log.
        if let runs = frame.runs {
            renderRuns(&screen, state, runs, inner)
            return
        }
        if y < inner.maxY {
            screen.put(d.recentErrors.isEmpty ? "no errors" : "last errors", x: inner.x + 1, y: y, style: .header)
            y += 1
        }
        for e in d.recentErrors.reversed().prefix(max(0, (inner.maxY - y) / 2)) where y < inner.maxY {
            let text = "run \(e.run), \(ago(e.atNs)): " + e.message + (e.timedOut ? " (timeout)" : "")
            screen.put(text, x: inner.x + 2, y: y, style: .error, limit: inner.width - 3)
            y += 1
        }
        if y + 1 < inner.maxY {
            y += 1
            screen.put(d.log.isEmpty ? "no log lines" : "log", x: inner.x + 1, y: y, style: .header)
            y += 1
            for line in d.log.suffix(max(0, inner.maxY - y)) where y < inner.maxY {
                screen.put("run \(line.run): \(line.text)", x: inner.x + 2, y: y, limit: inner.width - 3)
                y += 1
            }
        }
    }

    private static func keyValue(_ screen: inout Screen, _ kv: (String, String, Style), x: Int, y: Int, width: Int,
                                 labelWidth given: Int? = nil) {
        guard width > 4 else { return }
        let labelWidth = given ?? min(19, width / 2)
        screen.put(Format.fit(kv.0, labelWidth), x: x, y: y, style: .dim)
        screen.put(kv.1, x: x + labelWidth + 1, y: y, style: kv.2, limit: width - labelWidth - 1)
    }
}
