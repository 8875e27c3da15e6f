import Testing
@testable import Tickwork
@testable import TickworkDashboard

/// Keys → state and commands. Pure: no terminal, no engine, no threads.
@Suite struct UpdateTests {
    func press(_ s: inout DashboardState, _ keys: Key...) -> [DashboardCommand] {
        keys.flatMap { s.update(.key($0)) }
    }

    @Test func quitIsGracefulThenForced() {
        var s = Fixtures.state(width: 120, height: 40)
        #expect(press(&s, .char("q")) == [.quit])
        #expect(s.quitting)
        #expect(DashboardView.render(s).lines.joined().contains("press q again to quit now"))
        #expect(press(&s, .char("q")) == [.forceQuit])
        var t = Fixtures.state(width: 120, height: 40)
        #expect(t.update(.interrupt) == [.quit])
        #expect(t.update(.interrupt) == [.forceQuit])
    }

    @Test func pauseAndResumeTheSelectedTask() {
        var s = Fixtures.state(width: 120, height: 40)
        _ = press(&s, .down)
        #expect(s.selectedJob?.name == "object-2")
        #expect(s.request.query.anchor == JobID(2), "the sampler is asked to keep the selected job in view")
        #expect(press(&s, .char("p")) == [.engine(.pause(JobID(2)))])
        _ = press(&s, .down, .down, .down)          // object-5 is paused
        #expect(s.selectedJob?.state == .paused)
        #expect(press(&s, .char("p")) == [.engine(.resume(JobID(5)))])
    }

    /// On a cluster node (its frame carries the cluster panel) a task is
    /// one run of a shared job: `p` and `c` go to the node whatever the
    /// run's state, which acts on the job in the whole cluster.
    @Test func onAClusterNodePauseAndCancelGoToTheJob() {
        var s = Fixtures.state(width: 120, height: 40)
        let cluster = DemoPanel(name: "cluster", status: "node n1: 0 of 4 in flight",
                                figures: [DemoFigure("n1*", "4 workers, 2.0 runs/s, beat 0.2 s ago")])
        _ = s.update(.frame(Fixtures.frame(for: s, panels: [cluster])))
        _ = press(&s, .down, .down, .down, .down)          // object-5 is paused on this node
        #expect(s.onClusterNode && s.selectedJob?.state == .paused)
        let id = s.selectedJob!.id
        // Not a resume of this node's task: the node toggles the job's pause in the cluster.
        #expect(press(&s, .char("p")) == [.engine(.pause(id))])
        #expect(s.flash?.contains("in the cluster") == true)
        _ = press(&s, .char("c"))
        #expect(s.overlay == .confirmCancel(id, s.selectedJob!.name))
        #expect(DashboardView.render(s).lines.joined().contains("cluster (node n1: 0 of 4 in flight)"))
        // Without the panel, the same key resumes the paused task.
        var plain = Fixtures.state(width: 120, height: 40)
        _ = press(&plain, .down, .down, .down, .down)
        #expect(press(&plain, .char("p")) == [.engine(.resume(id))])
    }

    @Test func demosMenuLaunchesAndStops() {
        var s = DashboardState(width: 120, height: 40, demoCatalog: Fixtures.catalog)
        _ = s.update(.frame(Fixtures.frame(for: s, panels: Fixtures.panels)))
        #expect(press(&s, .char("n")) == [])
        #expect(s.overlay == .demos(0))
        let menu = DashboardView.render(s).lines.joined(separator: "\n")
        #expect(menu.contains("race") && menu.contains("stopped") && menu.contains("running") && menu.contains("timers"))
        // refresh runs already: Enter does not start a second one.
        #expect(press(&s, .enter) == [])
        #expect(s.flash?.contains("already running") == true && s.overlay == .none)
        // race was stopped: it may start again.
        _ = press(&s, .char("n"), .down)
        #expect(press(&s, .enter) == [.engine(.launchDemo("race"))])
        // The sampler's answer reaches the footer with the next frame.
        _ = s.update(.frame(Fixtures.frame(for: s, panels: Fixtures.panels, outcomes: [CommandOutcome(command: .launchDemo("race"), changed: true, message: "started demo race")])))
        #expect(s.flash == "started demo race")
        // x stops a running demo, and only a running one.
        _ = press(&s, .char("n"))
        #expect(s.overlay == .demos(1), "the menu opens where it was left")
        _ = press(&s, .home)
        #expect(press(&s, .char("x")) == [.engine(.stopDemo("refresh"))])
        _ = press(&s, .char("n"), .end)
        #expect(s.overlay == .demos(2))
        #expect(press(&s, .char("x")) == [])
        #expect(s.flash == "timers is not running")
        _ = press(&s, .char("n"), .escape)
        #expect(s.overlay == .none)
        // With no catalog (an embedding program's dashboard) n says so.
        var bare = Fixtures.state(width: 120, height: 40)
        #expect(press(&bare, .char("n")) == [] && bare.overlay == .none && bare.flash == "no demos to launch")
    }

    @Test func cancelAsksFirst() {
        var s = Fixtures.state(width: 120, height: 40)
        #expect(press(&s, .char("c")) == [])
        #expect(s.overlay == .confirmCancel(JobID(1), "object-1"))
        #expect(DashboardView.render(s).lines.joined().contains("Cancel object-1 (#1)?"))
        #expect(press(&s, .char("n")) == [])
        #expect(s.overlay == .none)
        _ = press(&s, .char("c"))
        #expect(press(&s, .char("y")) == [.engine(.cancel(JobID(1)))])
        #expect(s.flash?.contains("cancelling") == true)
    }

    @Test func aCancellingRunShowsUntilItEnds() {
        var s = Fixtures.state(width: 120, height: 40)
        var jobs = Fixtures.jobs(30)
        jobs[1].state = .cancelling          // object-2 was running when cancelled
        _ = s.update(.frame(Fixtures.frame(for: s, jobs: jobs)))
        let row = DashboardView.render(s).lines.first { $0.contains("│object-2 ") }
        #expect(row?.contains("cancelling") == true)
        // Nothing more to cancel: `c` on it asks nothing.
        _ = press(&s, .down)
        #expect(press(&s, .char("c")) == [] && s.overlay == .none)
    }

    @Test func poolGrowsAndShrinks() {
        var s = Fixtures.state(width: 120, height: 40)
        #expect(press(&s, .char("+")) == [.engine(.setWorkers(5))])
        #expect(press(&s, .char("+")) == [.engine(.setWorkers(6))])    // before any frame shows 5
        #expect(press(&s, .char("-"), .char("-"), .char("-")) == [.engine(.setWorkers(5)), .engine(.setWorkers(4)), .engine(.setWorkers(3))])
        var f = Fixtures.frame(for: s)
        f.snapshot.targetWorkers = 3
        _ = s.update(.frame(f))
        #expect(s.workerTarget == nil)
        #expect(press(&s, .char("-")) == [.engine(.setWorkers(2))])
        var one = DashboardState(width: 120, height: 40)
        _ = one.update(.frame(Fixtures.frame(for: one, workers: 1)))
        #expect(press(&one, .char("-")) == [])
        #expect(one.flash == "at least one worker stays")
    }

    @Test func pauseEverythingShowsABanner() {
        var s = Fixtures.state(width: 120, height: 40)
        #expect(press(&s, .char("P")) == [.engine(.pauseAll)])
        #expect(DashboardView.render(s).line(0).contains("PAUSED"))
        #expect(press(&s, .char("P")) == [.engine(.resumeAll)])
        #expect(!DashboardView.render(s).line(0).contains("PAUSED"))
    }

    @Test func freezeKeepsTheScreenButNotTheSampling() {
        var s = Fixtures.state(width: 120, height: 40)
        _ = press(&s, .char(" "))
        #expect(s.isFrozen)
        #expect(DashboardView.render(s).line(0).contains("FROZEN"))
        var later = Fixtures.frame(for: s)
        later.snapshot.takenAtNs += 2_000_000_000
        later.snapshot.runs += 500
        _ = s.update(.frame(later))
        #expect(s.shown?.snapshot.runs == 1234)        // the display stands still
        #expect(s.live?.snapshot.runs == 1734)         // sampling went on
        _ = press(&s, .char(" "))
        #expect(s.shown?.snapshot.runs == 1734)
    }

    @Test func filterTextAndStateWords() {
        var s = Fixtures.state(width: 120, height: 40)
        let cmds = press(&s, .char("/"), .char("s"), .char("y"), .char("n"), .char("c"))
        #expect(s.editingFilter)
        #expect(cmds.contains(.resample))
        #expect(s.request.query.text == "sync")
        _ = press(&s, .char(" "), .char("f"), .char("a"), .char("i"), .char("l"), .char("e"), .char("d"), .enter)
        #expect(!s.editingFilter)
        #expect(s.request.query.text == "sync")
        #expect(s.request.query.states == [.failed])
        _ = press(&s, .escape)
        #expect(s.filter.isEmpty && s.request.query.text == nil)
        #expect(s.request.query.states == JobState.unfinished, "finished tasks stay hidden")
        _ = press(&s, .char("/"), .char("x"), .backspace, .escape)
        #expect(s.filter.isEmpty && !s.editingFilter)
    }

    @Test func sortCyclesColumnsAndInverts() {
        var s = Fixtures.state(width: 120, height: 40)
        #expect(press(&s, .char(">")).contains(.resample))
        #expect(s.request.query.sort == .name && !s.request.query.descending)
        _ = press(&s, .char("<"), .char("<"))
        #expect(s.request.query.sort == .status && !s.request.query.descending)
        _ = press(&s, .char("<"))
        #expect(s.request.query.sort == .lateness && s.request.query.descending)
        _ = press(&s, .char("I"))
        #expect(!s.request.query.descending)
        #expect(DashboardView.render(s).lines.joined().contains("late▲"))
    }

    @Test func scrollingAsksForTheRowsOnView() {
        var s = Fixtures.state(width: 80, height: 24)
        let rows = DashboardLayout(s).taskRows
        #expect(s.request.query.limit == rows && s.request.query.offset == 0)
        #expect(press(&s, .end).contains(.resample))
        #expect(s.cursor == 29)
        #expect(s.request.query.offset == 30 - rows)
        Fixtures.settle(&s)
        #expect(s.selectedJob?.name == "object-30", "the row End reached is selected once its frame arrives")
        _ = press(&s, .home)
        #expect(s.cursor == 0 && s.request.query.offset == 0)
        Fixtures.settle(&s)
        _ = press(&s, .pageDown)
        #expect(s.cursor == rows - 1)
        _ = press(&s, .char("G"))
        Fixtures.settle(&s)
        _ = press(&s, .char("k"))
        #expect(s.cursor == 28 && s.selectedJob?.name == "object-29")
    }

    @Test func panelsTakeTheFocusInTurn() {
        var s = Fixtures.state(width: 120, height: 40)
        #expect(s.focus == .tasks)
        _ = press(&s, .tab)
        #expect(s.focus == .events)
        _ = press(&s, .tab)
        #expect(s.focus == .threads)
        _ = press(&s, .tab)
        #expect(s.focus == .queues)
        #expect(press(&s, .char("p")) == [.engine(.pauseQueue("default"))])
        _ = press(&s, .backTab, .backTab)
        #expect(s.focus == .events)
    }

    @Test func detailOpensAndCloses() {
        var s = Fixtures.state(width: 120, height: 40)
        #expect(press(&s, .enter).contains(.resample))
        #expect(s.request.detail == JobID(1))
        _ = s.update(.frame(Fixtures.frame(for: s)))
        #expect(DashboardView.render(s).lines.joined().contains("task object-1 #1"))
        #expect(press(&s, .char("p")) == [.engine(.pause(JobID(1)))])   // keys act on the detail's job
        _ = press(&s, .escape)
        #expect(s.detail == nil && s.request.detail == nil)
    }

    @Test func resizeChangesTheWindowAsked() {
        var s = Fixtures.state(width: 120, height: 40)
        let before = s.request.query.limit
        #expect(s.update(.resize(width: 80, height: 24)).contains(.resample))
        #expect(s.request.query.limit < before)
        #expect(s.update(.resize(width: 30, height: 10)).contains(.resample) || true)
        #expect(DashboardView.render(s).lines.joined().contains("terminal too small"))
    }

    @Test func helpOpensAndAnyKeyClosesIt() {
        var s = Fixtures.state(width: 120, height: 40)
        _ = press(&s, .char("?"))
        #expect(s.overlay == .help)
        #expect(DashboardView.render(s).lines.joined().contains("grow / shrink the worker pool"))
        _ = press(&s, .char("x"))
        #expect(s.overlay == .none)
        _ = press(&s, .function(1))
        #expect(s.overlay == .help)
        #expect(press(&s, .ctrl("l")) == [])
        #expect(press(&s, .ctrl("l")) == [.redraw])
    }

    @Test func eventsAreRememberedAcrossFrames() {
        var s = Fixtures.state(width: 120, height: 40)
        var f = Fixtures.frame(for: s, events: [EngineEvent(seq: 4, atNs: Fixtures.t0, kind: .cancelled, job: JobID(9),
                                                             name: "object-9", cause: .control)])
        f.missedEvents = 2
        _ = s.update(.frame(f))
        #expect(s.events.map(\.seq) == [1, 2, 3, 4])
        #expect(s.missedEvents == 2)
        #expect(DashboardView.render(s).lines.joined().contains("2 dropped"))
    }
}
