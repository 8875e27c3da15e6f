import TickworkModel

/// Everything that can happen to the dashboard, as the main loop sees it.
public enum DashboardMessage: Sendable {
    case key(Key)
    case frame(DashboardFrame)
    case resize(width: Int, height: Int)
    /// Ctrl-C (SIGINT): the same as `q`.
    case interrupt
    /// Ctrl-Z (SIGTSTP) at this monotonic instant: the first one warns, a
    /// second within `suspendConfirmNs` suspends.
    case suspendRequested(atNs: Int64)
    /// The process was continued after being stopped for this long.
    case resumedFromSuspend(afterNs: Int64)
    /// Attached: the link to the server failed (why), or a reconnect did.
    case serverLost(String)
    /// Attached: a reconnect took; frames follow.
    case reconnected
}

extension DashboardState {
    /// The whole behaviour of the dashboard: folds a message into the state
    /// and returns what the world must do. Pure: no clock, no I/O, no engine.
    public mutating func update(_ message: DashboardMessage) -> [DashboardCommand] {
        let before = request
        var commands: [DashboardCommand]
        switch message {
        case .key(let key): commands = handle(key)
        case .frame(let frame): receive(frame); commands = []
        case .resize(let w, let h): width = max(0, w); height = max(0, h); clampScroll(); commands = []
        case .interrupt: commands = quit()
        case .suspendRequested(let now): commands = requestSuspend(at: now)
        case .serverLost(let why):
            overlay = .lostServer(why)
            commands = []
        case .reconnected:
            flashFromNextFrame("reconnected to \(attached?.path ?? "the server")")
            commands = []
        case .resumedFromSuspend(let held) where attached != nil:
            flash = "back after \(Format.duration(held, glyphs)) suspended (the server's jobs ran on meanwhile)"
            commands = []
        case .resumedFromSuspend(let held):
            suspendArmedUntilNs = nil
            flash = "back after \(Format.duration(held, glyphs)) suspended: every job was held that long (runs due meanwhile start late)"
            commands = []
        }
        if request != before && !commands.contains(.forceQuit) { commands.append(.resample) }
        return commands
    }

    private mutating func receive(_ frame: DashboardFrame) {
        history.record(frame.snapshot)
        missedEvents += frame.missedEvents
        events.append(contentsOf: frame.events)
        if events.count > Self.eventMemory { events.removeFirst(events.count - Self.eventMemory) }
        live = frame
        if let notice = frame.outcomes.last(where: { $0.message != nil })?.message { flash = notice }
        else if let at = flashSetAtNs, frame.snapshot.takenAtNs - at > Self.flashNs { flash = nil }
        else if flash != nil && flashSetAtNs == nil { flashSetAtNs = frame.snapshot.takenAtNs }
        if workerTarget == frame.snapshot.targetWorkers { workerTarget = nil }
        if allPausedAsked == frame.snapshot.pausedAll { allPausedAsked = nil }
        // Frozen: the screen is one instant; the selection catches up on unfreeze.
        if !isFrozen { follow(frame) }
    }

    /// Suspending stops every engine thread too (they are this process's):
    /// say so first, and suspend only when asked twice.
    private mutating func requestSuspend(at now: Int64) -> [DashboardCommand] {
        // Attached, only this dashboard stops: the server's jobs go on.
        if attached != nil { return [.suspend] }
        if let until = suspendArmedUntilNs, now <= until {
            suspendArmedUntilNs = nil
            return [.suspend]
        }
        suspendArmedUntilNs = now + Self.suspendConfirmNs
        // The jobs still alive (finished ones run no more anyway).
        let jobs = live.map { s in
            Format.grouped(JobState.unfinished.reduce(0) { $0 + s.snapshot.count($1) })
        } ?? "all"
        flash = "Ctrl-Z stops the whole process: all \(jobs) jobs stop running until fg. Ctrl-Z again within 3 s suspends"
        return []
    }

    private mutating func quit() -> [DashboardCommand] {
        if attached != nil { return [.detach] }   // the server goes on
        if quitting { return [.forceQuit] }
        quitting = true
        overlay = .none
        return [.quit]
    }

    private mutating func handle(_ key: Key) -> [DashboardCommand] {
        if editingFilter { return editFilter(key) }
        switch overlay {
        case .help:
            switch key {
            case .char("q"): return quit()
            default: overlay = .none; return []   // any other key closes help, as in htop
            }
        case .confirmCancel(let id, let name):
            return answer(key, yes: ("cancelling \(name) (\(id))\(glyphs.ellipsis)", .engine(.cancel(id))), no: "not cancelled: \(name) (\(id))")
        case .demos(let row):
            return demosMenu(key, row: row)
        case .confirmKill(let id, let name, let pid):
            return answer(key, yes: ("killing \(name) (\(id)): SIGKILL to process group \(pid)", .engine(.killRun(id))),
                          no: "not killed: \(name) (\(id))")
        case .confirmStopServer:
            overlay = .none
            guard key == .char("y") || key == .char("Y") else { flash = "the server goes on"; return [] }
            quitting = true
            flash = "stopping the server\(glyphs.ellipsis)"
            return [.quit]
        case .lostServer:
            switch key {
            case .char("r"), .char("R"): overlay = .none; flash = "reconnecting\(glyphs.ellipsis)"; return [.reconnect]
            case .char("q"), .escape: return [.detach]
            default: return []
            }
        case .none: break
        }
        if detail != nil, let runs = shown?.runs, let handled = runsKey(key, runs) { return handled }
        switch key {
        case .char("q"): return quit()
        case .char("Q") where attached != nil:
            if attached?.readOnly == true { flash = "the server is read-only: it cannot be stopped from here" } else { overlay = .confirmStopServer }
        case .char("?"), .function(1): overlay = .help
        case .char("n"):
            if demoCatalog.isEmpty { flash = "no demos to launch" } else { overlay = .demos(min(demoMenuRow, demoCatalog.count - 1)) }
        case .escape:
            if detail != nil { detail = nil }
            else if !filter.isEmpty { filter = ""; tableQueryChanged(keepSelection: true) }
        case .up, .char("k"): move(-1)
        case .down, .char("j"): move(1)
        case .pageUp: move(-pageSize)
        case .pageDown: move(pageSize)
        case .home, .char("g"): move(Int.min / 2)
        case .end, .char("G"): move(Int.max / 2)
        case .tab: focus = Panel(rawValue: (focus.rawValue + 1) % Panel.allCases.count)!
        case .backTab: focus = Panel(rawValue: (focus.rawValue + Panel.allCases.count - 1) % Panel.allCases.count)!
        case .enter:
            if focus == .tasks, let job = selectedJob { detail = job.id }
        case .char("/"): editingFilter = true; focus = .tasks
        case .char("<"), .left: cycleSort(-1)
        case .char(">"), .right: cycleSort(1)
        case .char("I"): descending.toggle(); tableQueryChanged(keepSelection: true)
        case .char("h"):
            hideFinished.toggle()
            tableQueryChanged(keepSelection: true)
            flash = hideFinished ? "finished tasks (retired, cancelled) hidden; h shows them" : "showing finished tasks too"
        case .char("p"): return togglePause()
        case .char("P"):
            let pause = !allPaused
            allPausedAsked = pause
            flash = pause ? "pausing everything (P resumes exactly what it paused)" : "resuming what P paused"
            return [pause ? .engine(.pauseAll) : .engine(.resumeAll)]
        case .char("c"):
            // On a cluster node a task is one run of a shared job: the
            // cancel is the job's, whatever became of this run.
            if let job = detailOrSelected(), onClusterNode || (!job.state.isFinal && job.state != .cancelling) {
                overlay = .confirmCancel(job.id, job.name)
            }
        case .char("K"):
            guard let job = detailOrSelected() else { return [] }
            guard let pid = shown?.runs.flatMap({ detail == job.id ? $0.runningPid : nil }) ?? runningPid(job) else {
                flash = "\(job.name) (\(job.id)) runs no process now (K kills a command job's running process group)"
                return []
            }
            overlay = .confirmKill(job.id, job.name, pid)
        case .char("r"):
            guard let job = detailOrSelected() else { return [] }
            flash = "running \(job.name) (\(job.id)) once now\(glyphs.ellipsis)"
            return [.engine(.runNow(job.id))]
        case .char("S"):
            guard let job = detailOrSelected() else { return [] }
            guard let pid = shown?.runs.flatMap({ detail == job.id ? $0.runningPid : nil }) ?? runningPid(job) else {
                flash = "\(job.name) (\(job.id)) runs no process now (S pauses a command job and stops its running process)"
                return []
            }
            flash = "pausing \(job.name) (\(job.id)) and stopping process group \(pid) (SIGSTOP); p resumes and continues it"
            return [.engine(.pause(job.id)), .engine(.stopRun(job.id))]
        case .char("R"):
            guard canReload else { flash = "no job file to reload (start with --file)"; return [] }
            flash = "reloading the job file\(glyphs.ellipsis)"
            return [.engine(.reloadJobFile)]
        case .char("+"), .char("="):
            guard let target = workerTarget ?? live?.snapshot.targetWorkers else { return [] }
            guard target < 256 else { flash = "256 workers at most"; return [] }
            workerTarget = target + 1
            flash = "workers → \(target + 1)"
            return [.engine(.setWorkers(target + 1))]
        case .char("-"):
            guard let target = workerTarget ?? live?.snapshot.targetWorkers, target > 1 else { flash = "at least one worker stays"; return [] }
            workerTarget = target - 1
            flash = "workers → \(target - 1) (a busy worker leaves after its run)"
            return [.engine(.setWorkers(target - 1))]
        case .char(" "), .char("z"):
            if isFrozen {
                frozen = nil; frozenHistory = nil; frozenEvents = nil
                if let live { follow(live) }
            } else if live != nil { frozen = live; frozenHistory = history; frozenEvents = events }
        case .ctrl("l"): return [.redraw]
        case .char("]"):
            let hz = min(30, refreshHz * 2); refreshHz = hz; flash = "refresh \(Format.fixed(hz, 1)) Hz"
            return [.setRefreshHz(hz)]
        case .char("["):
            let hz = max(0.5, refreshHz / 2); refreshHz = hz; flash = "refresh \(Format.fixed(hz, 1)) Hz"
            return [.setRefreshHz(hz)]
        default: break
        }
        return []
    }

    /// Keys inside the demos menu: move, Enter launches, x stops, Esc or n closes.
    private mutating func demosMenu(_ key: Key, row: Int) -> [DashboardCommand] {
        let last = demoCatalog.count - 1
        defer { if case .demos(let r) = overlay { demoMenuRow = r } else { demoMenuRow = row } }
        switch key {
        case .up, .char("k"): overlay = .demos(max(0, row - 1))
        case .down, .char("j"): overlay = .demos(min(last, row + 1))
        case .home, .char("g"): overlay = .demos(0)
        case .end, .char("G"): overlay = .demos(last)
        case .escape, .char("n"): overlay = .none
        case .char("q"): return quit()
        case .enter:
            let name = demoCatalog[row].name
            overlay = .none
            if demoPanel(name)?.isActive == true {
                flash = "\(name) is already running (x in this menu stops it)"
                return []
            }
            flash = "starting demo \(name)\(glyphs.ellipsis)"
            return [.engine(.launchDemo(name))]
        case .char("x"):
            let name = demoCatalog[row].name
            overlay = .none
            guard demoPanel(name)?.isRunning == true else { flash = "\(name) is not running"; return [] }
            flash = "stopping demo \(name)\(glyphs.ellipsis)"
            return [.engine(.stopDemo(name))]
        default: break
        }
        return []
    }

    /// The answer to a y/n question: `y` sends the command, any other key
    /// does nothing; either way the footer says which it was.
    private mutating func answer(_ key: Key, yes: (notice: String, command: DashboardCommand), no: String) -> [DashboardCommand] {
        overlay = .none
        guard key == .char("y") || key == .char("Y") else { flash = no; return [] }
        flash = yes.notice
        return [yes.command]
    }

    /// Keys inside a command job's detail: up and down pick a run, page
    /// keys and Home/End scroll its output. nil: not one of them.
    private mutating func runsKey(_ key: Key, _ runs: RunHistory) -> [DashboardCommand]? {
        let last = max(0, runs.runs.count - 1)
        let geometry = RunsGeometry.of(self, rows: DashboardView.runRows(runs).count)
        let run = runs.runs.reversed().dropFirst(min(detailRun, last)).first
        let maxScroll = max(0, (run.map { DashboardView.outputLines($0).count } ?? 0) - geometry.outputRows)
        let page = max(1, geometry.outputRows - 1)
        switch key {
        case .up, .char("k"): detailRun = max(0, detailRun - 1); outputScroll = 0
        case .down, .char("j"): detailRun = min(last, detailRun + 1); outputScroll = 0
        case .pageUp: outputScroll = max(0, min(outputScroll, maxScroll) - page)
        case .pageDown: outputScroll = min(maxScroll, outputScroll + page)
        case .home, .char("g"): outputScroll = 0
        case .end, .char("G"): outputScroll = maxScroll
        default: return nil
        }
        return []
    }

    /// The process a job's row says it runs ("pid 1234 running"), if any.
    private func runningPid(_ job: JobInfo) -> Int32? {
        guard [.running, .sleeping, .cancelling].contains(job.state), let status = job.status, status.hasPrefix("pid ") else { return nil }
        return Int32(status.dropFirst(4).prefix { $0.isNumber })
    }

    /// The job the keys act on: the open detail's, else the row under the cursor.
    private func detailOrSelected() -> JobInfo? {
        if let id = detail { return shown?.detail?.info.id == id ? shown?.detail?.info : nil }
        return focus == .tasks ? selectedJob : nil
    }

    /// Attached to a node of a cluster (its frame carries the cluster panel).
    var onClusterNode: Bool { shown?.panels.contains { $0.name == "cluster" } ?? false }

    private mutating func togglePause() -> [DashboardCommand] {
        if focus == .queues && detail == nil {
            guard let queues = shown?.snapshot.queues, queueCursor < queues.count else { return [] }
            let q = queues[queueCursor]
            flash = q.paused ? "resumed queue \(q.name)" : "paused queue \(q.name) (queued runs wait)"
            return [q.paused ? .engine(.resumeQueue(q.name)) : .engine(.pauseQueue(q.name))]
        }
        guard let job = detailOrSelected() else { return [] }
        let who = "\(job.name) (\(job.id))"
        if onClusterNode {
            // The node pauses the job in the whole cluster, or resumes it if
            // it is paused there (this run's own state says nothing of it).
            flash = "pausing or resuming \(job.name) in the cluster\(glyphs.ellipsis)"
            return [.engine(.pause(job.id))]
        }
        if job.state == .paused || job.pausePending {
            flash = "resuming \(who)\(glyphs.ellipsis)"
            return [.engine(.resume(job.id))]
        }
        guard !job.state.isFinal else { flash = "\(who) is \(job.state.rawValue): nothing to pause"; return [] }
        flash = job.state == .running || job.state == .sleeping
            ? "pausing \(who) (its current run finishes first)" : "pausing \(who)\(glyphs.ellipsis)"
        return [.engine(.pause(job.id))]
    }

    private mutating func editFilter(_ key: Key) -> [DashboardCommand] {
        switch key {
        case .enter: editingFilter = false
        case .escape: editingFilter = false; filter = ""
        case .backspace: if !filter.isEmpty { filter.removeLast() }
        case .char(let c) where !c.isNewline: filter.append(c)
        case .up, .down, .pageUp, .pageDown: editingFilter = false; return handle(key)
        default: return []
        }
        tableQueryChanged(keepSelection: false)
        return []
    }

    private var pageSize: Int { max(1, DashboardLayout(self).taskRows - 1) }

    private mutating func move(_ delta: Int) {
        let layout = DashboardLayout(self)
        switch focus {
        case .tasks:
            guard detail == nil else { return }
            moveSelection(delta)
        case .threads:
            let rows = (shown?.snapshot.workers.count ?? 0) + 1
            threadTop = clamp(threadTop.addingReportingOverflow(delta).partialValue, 0, max(0, rows - layout.threadRows))
        case .queues:
            queueCursor = clamp(queueCursor.addingReportingOverflow(delta).partialValue, 0, max(0, (shown?.snapshot.queues.count ?? 1) - 1))
        case .events:
            // Up scrolls back in time.
            eventScroll = clamp(eventScroll.addingReportingOverflow(-delta).partialValue, 0, max(0, shownEvents.count - layout.eventRows))
        }
    }

    private mutating func cycleSort(_ step: Int) {
        let keys = JobQuery.SortKey.allCases
        let i = keys.firstIndex(of: sort) ?? 0
        sort = keys[(i + step + keys.count) % keys.count]
        // Counters read best largest first; names and due times smallest first.
        descending = [.runs, .errors, .lateness, .lastDuration].contains(sort)
        tableQueryChanged(keepSelection: true)
        flash = "sorted by \(sort.columnTitle)\(descending ? " (descending)" : "")"
    }

    /// Keeps the cursor inside the matching rows and on screen.
    mutating func clampScroll() {
        let rows = max(1, DashboardLayout(self).taskRows)
        cursor = clamp(cursor, 0, max(0, matching - 1))
        if cursor < top { top = cursor }
        if cursor >= top + rows { top = cursor - rows + 1 }
        top = clamp(top, 0, max(0, matching - rows))
        if let n = shown?.snapshot.queues.count { queueCursor = clamp(queueCursor, 0, max(0, n - 1)) }
    }
}

func clamp(_ v: Int, _ lo: Int, _ hi: Int) -> Int { min(max(v, lo), max(lo, hi)) }

extension JobQuery.SortKey {
    /// The column header this key sorts (id has no column: submission order).
    public var columnTitle: String {
        switch self {
        case .id: return "id"
        case .name: return "name"
        case .group: return "group"
        case .state: return "state"
        case .schedule: return "schedule"
        case .nextDue: return "next"
        case .lastDuration: return "last"
        case .runs: return "runs"
        case .errors: return "err"
        case .lateness: return "late"
        case .status: return "status"
        }
    }
}
