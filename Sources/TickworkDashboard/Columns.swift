/// A table column: how narrow it may get, whether it takes spare room, and
/// how much it matters when the panel is too narrow for all of them.
struct Column {
    var title: String
    var width: Int
    var alignRight = false
    /// Takes a share of the spare width (up to `maxWidth`).
    var flexible = false
    var maxWidth = Int.max
    /// Lower numbers are dropped last.
    var priority = 0
    /// Carries text (a name, what a run waits on, a status): takes the
    /// width left over once every flexible column reached its `maxWidth`.
    var takesRest = false
}

/// Decides which columns fit in `total` cells (one space between each) and
/// how wide each is; returns the kept columns in display order with their x.
func fitColumns(_ columns: [Column], total: Int, x: Int) -> [(column: Column, x: Int, index: Int)] {
    var kept = Set<Int>()
    var used = 0
    for i in columns.indices.sorted(by: { columns[$0].priority < columns[$1].priority }) {
        let need = columns[i].width + (kept.isEmpty ? 0 : 1)
        if used + need <= total { kept.insert(i); used += need }
    }
    var widths = columns.map(\.width)
    var spare = total - used
    let flexible = columns.indices.filter { kept.contains($0) && columns[$0].flexible }
    // Hand the spare width out one cell at a time, round robin, up to each max.
    var progress = true
    while spare > 0 && progress {
        progress = false
        for i in flexible where spare > 0 && widths[i] < columns[i].maxWidth {
            widths[i] += 1; spare -= 1; progress = true
        }
    }
    // A wide terminal: what is still spare goes to the text columns, so
    // nothing is cut beside blank space.
    let text = columns.indices.filter { kept.contains($0) && columns[$0].takesRest }
    while spare > 0 && !text.isEmpty {
        for i in text where spare > 0 { widths[i] += 1; spare -= 1 }
    }
    var out: [(Column, Int, Int)] = []
    var cx = x
    for i in columns.indices where kept.contains(i) {
        var c = columns[i]
        c.width = widths[i]
        out.append((c, cx, i))
        cx += c.width + 1
    }
    return out
}

extension Screen {
    /// One row of a table: `cells[i]` goes in column `i` (if kept).
    mutating func tableRow(_ layout: [(column: Column, x: Int, index: Int)], y: Int,
                           _ cells: [(String, Style)], _ g: Glyphs) {
        for (column, x, index) in layout where index < cells.count {
            put(Format.fit(cells[index].0, column.width, alignRight: column.alignRight, g), x: x, y: y,
                style: cells[index].1, limit: column.width)
        }
    }

    /// The header row of a table.
    mutating func tableHeader(_ layout: [(column: Column, x: Int, index: Int)], y: Int, _ g: Glyphs,
                              marked: Int? = nil, descending: Bool = false) {
        for (column, x, index) in layout {
            var title = column.title
            if index == marked { title += descending ? g.down : g.up }
            put(Format.fit(title, column.width, alignRight: column.alignRight, g), x: x, y: y,
                style: index == marked ? .focusTitle : .header, limit: column.width)
        }
    }
}
