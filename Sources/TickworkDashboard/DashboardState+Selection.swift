import TickworkModel

/// The table's selection: it stays on its job while the order changes, moves
/// to the neighbour (and says so) when its job leaves the list, and holds the
/// rows' order still for a moment while a person moves through them.
extension DashboardState {
    /// Folds a frame's page into the selection. Rows of an older query are
    /// ignored here (the view marks them pending).
    mutating func follow(_ frame: DashboardFrame) {
        guard frame.query.selectsSameJobs(as: tableQuery) else { return }
        let page = frame.page
        if frame.query.pinned == nil { matching = page.matching }
        if let selected {
            if let i = page.jobs.firstIndex(where: { $0.id == selected }) {
                // Anchored: the engine kept the selection's screen row where it could.
                if frame.query.anchor == selected && frame.query.pinned == nil { top = page.offset }
                cursor = page.offset + i
            } else if frame.query.anchor == selected {
                selectNeighbour(of: page.anchorInfo, in: page)
            }
            // Otherwise the frame answered an earlier window: wait for the one asked for.
        } else if let job = rowOf(page, cursor) {
            selected = job.id
        }
        updateHold(frame)
        clampScroll()
    }

    /// The selected job left the list: the row it held now shows its
    /// neighbour, which becomes the selection, and the footer says why.
    private mutating func selectNeighbour(of gone: JobInfo?, in page: JobPage) {
        let last = page.offset + page.jobs.count - 1
        let neighbour = rowOf(page, Swift.min(cursor, last))
        let who = gone.map { "\($0.name) (\($0.id)) \(Self.leaveReason($0, hidingFinished: hidesFinishedNow))" } ?? "the selected task is gone"
        selected = neighbour?.id
        if let neighbour {
            cursor = Swift.min(cursor, last)
            flash = "\(who): selection moved to \(neighbour.name)"
        } else {
            cursor = 0
            flash = "\(who): no task left to select"
        }
    }

    static func leaveReason(_ job: JobInfo, hidingFinished: Bool) -> String {
        switch job.state {
        case .retired: return hidingFinished ? "retired (finished tasks are hidden; h shows them)" : "retired"
        case .cancelled: return hidingFinished ? "was cancelled (finished tasks are hidden; h shows them)" : "was cancelled"
        default: return "is \(job.state.rawValue) now, outside the filter"
        }
    }

    private func rowOf(_ page: JobPage, _ index: Int) -> JobInfo? {
        let k = index - page.offset
        return k >= 0 && k < page.jobs.count ? page.jobs[k] : nil
    }

    /// Ends the hold once its moment has passed (by the frames' clock), and
    /// captures the order to hold when a move scrolled to new rows.
    private mutating func updateHold(_ frame: DashboardFrame) {
        guard let until = holdUntilNs else { return }
        if frame.snapshot.takenAtNs >= until {
            holdUntilNs = nil
            heldOrder = nil
        } else if heldOrder == nil && frame.query.pinned == nil && frame.page.offset == top {
            heldOrder = frame.page.jobs.map(\.id)
        }
    }

    /// Moves the selection in the tasks table by `delta` rows and holds the
    /// order still while the person moves.
    mutating func moveSelection(_ delta: Int) {
        let oldTop = top
        let onScreen = tableIsCurrent && shown?.page.offset == top ? shown?.page.jobs.map(\.id) : nil
        cursor = clamp(cursor.addingReportingOverflow(delta).partialValue, 0, max(0, matching - 1))
        clampScroll()
        selected = jobOnRow(cursor)?.id
        // Held: the rows as they are on screen now. A scroll lands on new
        // rows, whose order is captured when their frame arrives.
        heldOrder = top == oldTop ? (heldOrder ?? onScreen) : nil
        holdUntilNs = (live?.snapshot.takenAtNs ?? 0) + Self.holdNs
    }

    /// A new filter or order starts afresh: no hold; `keepSelection` follows
    /// the selected job into the new order (a sort), else the first row (a filter).
    mutating func tableQueryChanged(keepSelection: Bool) {
        heldOrder = nil
        holdUntilNs = nil
        if !keepSelection { selected = nil; cursor = 0; top = 0 }
    }
}
