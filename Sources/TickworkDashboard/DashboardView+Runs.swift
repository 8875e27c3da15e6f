#if canImport(Glibc)
import Glibc
#endif
import TickworkModel

/// Where a command job's runs sit in its detail box: the rows of the run
/// list and of the chosen run's output. One computation for the view that
/// draws them and the keys that scroll them.
struct RunsGeometry: Equatable {
    var listTop: Int
    var listRows: Int
    var outputTop: Int
    var outputRows: Int

    /// The detail's figures take this many rows above the runs.
    static let figureRows = 10
    /// Below this inner height the detail is compact: two rows of figures
    /// and no sparklines, so the runs and their output keep the room.
    static let compactBelow = 30

    init(inner: Rect, rows: Int) {
        // Figures, a gap, two sparklines, a gap, the command, a gap, the list's header;
        // compact: two rows of figures and a gap.
        let top = Self.isCompact(inner) ? inner.y + 3 : inner.y + Swift.min(Self.figureRows, inner.height) + 4
        listTop = top + 3
        listRows = Swift.min(rows, Swift.max(1, Swift.min(5, (inner.maxY - listTop) / 3)))
        outputTop = listTop + listRows + 2
        outputRows = Swift.max(0, inner.maxY - outputTop)
    }

    static func isCompact(_ inner: Rect) -> Bool { inner.height < compactBelow }

    /// The detail box's inside for `state`'s size.
    static func of(_ state: DashboardState, rows: Int) -> RunsGeometry {
        let r = DashboardLayout(state).detail
        return RunsGeometry(inner: Rect(x: r.x + 1, y: r.y + 1, width: Swift.max(0, r.width - 2), height: Swift.max(0, r.height - 2)), rows: rows)
    }
}

extension DashboardView {
    /// A command job's part of its detail: the command line, its recent runs
    /// (the one chosen highlighted) and that run's output, scrolled.
    static func renderRuns(_ screen: inout Screen, _ state: DashboardState, _ runs: RunHistory, _ inner: Rect) {
        let g = state.glyphs
        let rows = runRows(runs)
        let geometry = RunsGeometry(inner: inner, rows: rows.count)
        var y = geometry.listTop - 3
        guard y < inner.maxY else { return }
        screen.put("command", x: inner.x + 1, y: y, style: .dim)
        screen.put(runs.command, x: inner.x + 16, y: y, style: .bold, limit: inner.width - 17)
        y += 2
        guard y < inner.maxY else { return }
        screen.put(rows.isEmpty ? "no runs yet" : "runs  (\(g.up)\(g.down) pick one, PgUp/PgDn scroll its output, K kills the running one)",
                   x: inner.x + 1, y: y, style: .header, limit: inner.width - 2)
        y += 1
        let listRows = geometry.listRows
        let chosen = min(state.detailRun, max(0, runs.runs.count - 1))
        let chosenRow = chosen + (runs.runningPid != nil ? 1 : 0)
        let first = max(0, min(chosenRow - listRows / 2, rows.count - listRows))
        for (i, row) in rows.enumerated().dropFirst(first).prefix(listRows) where y < inner.maxY {
            let isChosen = i == chosenRow && !runs.runs.isEmpty
            screen.put((isChosen ? ">" : " ") + " " + row.text, x: inner.x + 1, y: y,
                       style: isChosen ? .selected : row.style, limit: inner.width - 2)
            y += 1
        }
        guard let run = runs.runs.reversed().dropFirst(chosen).first, geometry.outputTop - 1 < inner.maxY else { return }
        y = geometry.outputTop
        screen.put(outputTitle(run), x: inner.x + 1, y: y - 1, style: .header, limit: inner.width - 2)
        let lines = outputLines(run)
        let room = geometry.outputRows
        let scroll = min(state.outputScroll, max(0, lines.count - room))
        for (i, line) in lines.dropFirst(scroll).prefix(room).enumerated() {
            screen.put(line.text, x: inner.x + 2, y: y + i, style: line.style, limit: inner.width - 3)
        }
        if scroll + room < lines.count {
            screen.put("\(g.down)\(lines.count - scroll - room) more", x: inner.maxX - 12, y: inner.maxY - 1, style: .dim, limit: 11)
        }
    }

    /// One line a run: number, local start time, duration, how it ended.
    static func runRows(_ runs: RunHistory) -> [(text: String, style: Style)] {
        var rows: [(String, Style)] = []
        if let pid = runs.runningPid {
            rows.append(("now     \(runs.runningSinceWallNs.map(wallClockText) ?? "")  running, pid \(pid)", .running))
        }
        for r in runs.runs.reversed() {
            let number = Format.fit("run \(r.run)", 8)
            let retry = r.retry > 0 ? "  (retry \(r.retry))" : ""
            rows.append(("\(number)\(wallClockText(r.startWallNs))  \(Format.fit(Format.duration(r.durationNs), 7, alignRight: true))  \(r.outcome)\(retry)",
                         r.failed ? .error : .normal))
        }
        return rows
    }

    static func outputTitle(_ run: RunRecord) -> String {
        var text = "output of run \(run.run): stdout \(Format.grouped(run.stdoutBytes)) bytes, stderr \(Format.grouped(run.stderrBytes))"
        if run.truncated { text += "; truncated: the first and last part of each stream kept" }
        return text
    }

    /// The run's stdout, then its stderr under a marker; the gap a long
    /// output left marked where it is.
    static func outputLines(_ run: RunRecord) -> [(text: String, style: Style)] {
        guard let out = run.stdout, let err = run.stderr else {
            return [("(older runs give their output back; the newest 3 keep theirs)", .dim)]
        }
        func lines(_ text: String, _ style: Style) -> [(String, Style)] {
            text.split(separator: "\n", omittingEmptySubsequences: false).dropLast(text.hasSuffix("\n") ? 1 : 0).map { line in
                line.hasPrefix("… ") && line.hasSuffix(" bytes not kept …") ? (String(line), .warn) : (String(line), style)
            }
        }
        var result = lines(out, .normal)
        if !err.isEmpty { result += [("-- stderr --", .dim)] + lines(err, .error) }
        return result.isEmpty ? [("(no output)", .dim)] : result
    }

    /// `18:40:01` in the local time zone.
    static func wallClockText(_ unixNs: Int64) -> String {
        var seconds = time_t(unixNs / 1_000_000_000)
        var parts = tm()
        localtime_r(&seconds, &parts)
        func pad(_ v: Int32) -> String { v < 10 ? "0\(v)" : "\(v)" }
        return "\(pad(parts.tm_hour)):\(pad(parts.tm_min)):\(pad(parts.tm_sec))"
    }
}
