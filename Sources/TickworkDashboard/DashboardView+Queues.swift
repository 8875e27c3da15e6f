import TickworkModel

extension DashboardView {
    /// Per queue: depth against capacity, overflow, the oldest wait and a
    /// sparkline of depth over the last minute; then any demo figures.
    static func renderQueues(_ screen: inout Screen, _ state: DashboardState, _ frame: DashboardFrame,
                             _ layout: DashboardLayout) {
        let s = frame.snapshot, g = state.glyphs
        let inner = screen.box(layout.queues, title: "queues", focused: state.focus == .queues, g)
        guard inner.height >= 2 else { return }
        let columns = [
            Column(title: "queue", width: 7, flexible: true, maxWidth: 14, priority: 0),
            Column(title: "depth", width: 9, alignRight: true, priority: 0),
            Column(title: "", width: 4, flexible: true, maxWidth: 10, priority: 4),
            Column(title: "ovfl", width: 4, alignRight: true, priority: 1),
            Column(title: "wait", width: 6, alignRight: true, priority: 2),
            Column(title: "last 60s", width: 8, flexible: true, maxWidth: 30, priority: 3),
        ]
        let fitted = fitColumns(columns, total: inner.width, x: inner.x)
        screen.tableHeader(fitted, y: inner.y, g)
        var y = inner.y + 1
        for (i, q) in s.queues.enumerated() {
            guard y < inner.maxY else { break }
            let depthText = "\(Format.count(q.depth))/\(Format.count(q.capacity))"
            screen.tableRow(fitted, y: y, [
                (q.name, q.paused ? .paused : .bold), (depthText, q.depth >= q.capacity ? .warn : .normal), ("", .normal),
                (Format.count(q.overflow), q.overflow > 0 ? .warn : .dim),
                (q.depth > 0 ? Format.duration(q.oldestWaitNs, g) : "-", .dim), ("", .normal),
            ], g)
            if let bar = fitted.first(where: { $0.index == 2 }) {
                if q.paused {
                    screen.put(Format.fit("PAUSED", bar.column.width, g), x: bar.x, y: y, style: .paused)
                } else {
                    screen.bar(Double(q.depth) / Double(max(1, q.capacity)), x: bar.x, y: y, width: bar.column.width,
                               fill: q.depth >= q.capacity ? .warn : .barFill, g)
                }
            }
            if let spark = fitted.first(where: { $0.index == 5 }) {
                // Scaled to the minute's peak, which is printed after it: a
                // full block may be one queued run, and the label says so.
                let ring = state.shownHistory.depth[q.name] ?? []
                let peak = min(q.capacity, max(0, ring.max() ?? 0))
                let label = g.up + Format.count(peak)
                let labelWidth = spark.column.width >= 8 && peak > 0 ? Screen.columns(of: label) : 0
                let width = spark.column.width - (labelWidth > 0 ? labelWidth + 1 : 0)
                screen.sparkline(downsample(ring, to: width), x: spark.x, y: y, width: width,
                                 ceiling: Double(max(1, peak)), g)
                if labelWidth > 0 { screen.put(label, x: spark.x + width + 1, y: y, style: .dim) }
            }
            if state.focus == .queues && i == state.queueCursor {
                screen.restyle(Rect(x: inner.x, y: y, width: inner.width, height: 1), .selected)
            }
            y += 1
        }
        for panel in frame.panels {
            guard y + 1 < inner.maxY else { break }
            screen.put(panel.title, x: inner.x, y: y, style: .header, limit: inner.width)
            y += 1
            // Items flow left to right like words, two spaces apart, so one
            // long item (an error message) does not cost every item a row.
            var x = inner.x + 1
            for item in panel.items {
                let w = Screen.columns(of: item)
                if x > inner.x + 1 && x + w > inner.maxX { x = inner.x + 1; y += 1 }
                guard y < inner.maxY else { break }
                screen.put(item, x: x, y: y, limit: inner.maxX - x)
                x += w + 2
            }
            y += 1
        }
    }

    /// Squeezes per-second samples into `width` columns, keeping each
    /// column's maximum (a burst must not vanish in the averaging).
    static func downsample(_ values: [Int], to width: Int) -> [Double] {
        guard width > 0, !values.isEmpty else { return [] }
        if values.count <= width { return values.map(Double.init) }
        var out: [Double] = []
        let per = Double(values.count) / Double(width)
        for c in 0..<width {
            let from = Int(Double(c) * per), to = max(from + 1, Int(Double(c + 1) * per))
            out.append(Double(values[from..<min(to, values.count)].max() ?? 0))
        }
        return out
    }
}
