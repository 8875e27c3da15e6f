/// The small widgets the panels are made of. Each draws into a rectangle of
/// the screen and nowhere else (ratatui's rule: widgets know only the buffer).
extension Screen {
    /// A bordered box with a title in its top edge; returns the inner area.
    @discardableResult
    public mutating func box(_ r: Rect, title: String, focused: Bool = false, _ g: Glyphs) -> Rect {
        guard r.width >= 2, r.height >= 2 else { return Rect(x: r.x, y: r.y, width: 0, height: 0) }
        let edge: Style = focused ? .focusTitle : .dim
        for x in (r.x + 1)..<(r.maxX - 1) {
            self[x, r.y] = Cell(g.horizontal, edge)
            self[x, r.maxY - 1] = Cell(g.horizontal, edge)
        }
        for y in (r.y + 1)..<(r.maxY - 1) {
            self[r.x, y] = Cell(g.vertical, edge)
            self[r.maxX - 1, y] = Cell(g.vertical, edge)
        }
        self[r.x, r.y] = Cell(g.topLeft, edge); self[r.maxX - 1, r.y] = Cell(g.topRight, edge)
        self[r.x, r.maxY - 1] = Cell(g.bottomLeft, edge); self[r.maxX - 1, r.maxY - 1] = Cell(g.bottomRight, edge)
        if !title.isEmpty && r.width > 6 {
            let shown = Format.fit(" \(title) ", min(Screen.columns(of: title) + 2, r.width - 4), g)
            put(shown, x: r.x + 2, y: r.y, style: focused ? .focusTitle : .title)
        }
        return r.inner
    }

    /// A horizontal bar `[████░░░░]` filled to `fraction` (0…1), `width` columns.
    public mutating func bar(_ fraction: Double, x: Int, y: Int, width: Int, fill: Style = .barFill, _ g: Glyphs) {
        guard width > 0 else { return }
        let f = fraction.isFinite ? min(max(fraction, 0), 1) : 0
        // Any non-zero value shows at least one block: "some" must not read as "none".
        let full = f > 0 ? max(1, Int((f * Double(width)).rounded())) : 0
        for i in 0..<width {
            self[x + i, y] = i < full ? Cell(g.barFull, fill) : Cell(g.barEmpty, .barEmpty)
        }
    }

    /// A sparkline of `values` (newest last), scaled to `ceiling` or to their
    /// maximum; the newest values win when there are more than `width`.
    public mutating func sparkline(_ values: [Double], x: Int, y: Int, width: Int, ceiling: Double? = nil,
                                   style: Style = .ok, _ g: Glyphs) {
        guard width > 0 else { return }
        let shown = values.suffix(width)
        let top = max(ceiling ?? 0, shown.max() ?? 0)
        var col = x + width - shown.count
        for v in shown {
            let level: Unicode.Scalar
            if top <= 0 || v <= 0 { level = " " } else {
                let i = Int((v / top * Double(g.levels.count - 1)).rounded(.up))
                level = g.levels[min(max(i, 0), g.levels.count - 1)]
            }
            self[col, y] = Cell(level, style)
            col += 1
        }
    }
}
