import Testing
@testable import Tickwork
@testable import TickworkDashboard

/// What you act on is what you see: the selection follows its task, keys
/// act on it, frozen means one instant, and times are the sample's.
@Suite struct SelectionTests {
    func press(_ s: inout DashboardState, _ keys: Key...) -> [DashboardCommand] {
        keys.flatMap { s.update(.key($0)) }
    }

    /// Jobs whose next-due order is a rotation of their ids by `shift`.
    func rotated(_ shift: Int, states: [Int: JobState] = [:]) -> [JobInfo] {
        Fixtures.jobs(30).map { j in
            var j = j
            j.state = states[Int(j.id.rawValue)] ?? .scheduled
            j.nextDueNs = Fixtures.t0 + Int64((Int(j.id.rawValue) + shift) % 30) * 100_000_000
            return j
        }
    }

    func sortedByNext(_ jobs: [JobInfo]) -> DashboardState {
        var s = DashboardState(width: 120, height: 40)
        Fixtures.settle(&s, jobs: jobs)
        while s.sort != .nextDue { _ = press(&s, .char(">")) }
        Fixtures.settle(&s, jobs: jobs)
        return s
    }

    @Test func theSelectionStaysOnItsJobWhileTheOrderChanges() {
        var s = sortedByNext(rotated(0))
        _ = press(&s, .down, .down, .down)
        let chosen = s.selectedJob!
        // The order turns under it three times; each frame comes after the hold.
        for (k, shift) in [7, 13, 22].enumerated() {
            let later = Fixtures.snapshot(takenAt: Fixtures.t0 + Int64(k + 1) * 2 * DashboardState.holdNs)
            Fixtures.settle(&s, jobs: rotated(shift), snapshot: later)
            #expect(s.heldOrder == nil)
            #expect(s.selectedJob?.id == chosen.id, "shift \(shift)")
            // Its row on screen stays put, as near as the table's ends allow.
            let rank = (Int(chosen.id.rawValue) + shift) % 30, rows = DashboardLayout(s).taskRows
            #expect(s.cursor == rank && s.cursor - s.top == rank - min(max(rank - 3, 0), 30 - rows), "shift \(shift)")
        }
        #expect(press(&s, .char("p")) == [.engine(.pause(chosen.id))])
        _ = press(&s, .char("c"))
        #expect(s.overlay == .confirmCancel(chosen.id, chosen.name))
        _ = press(&s, .escape, .enter)
        #expect(s.detail == chosen.id)
    }

    @Test func movingHoldsTheOrderStillForAMoment() {
        var s = sortedByNext(rotated(0))
        _ = press(&s, .down)
        let onScreen = s.shown!.page.jobs.map(\.id)
        #expect(s.request.query.pinned == onScreen, "the rows as they were on screen")
        // A frame inside the hold: the engine reads the pinned rows, in their order.
        let reversed = rotated(0).map { j in
            var j = j; j.nextDueNs = Fixtures.t0 + Int64(30 - Int(j.id.rawValue)) * 100_000_000; return j
        }
        Fixtures.settle(&s, jobs: reversed)
        #expect(s.shown!.page.jobs.map(\.id) == onScreen)
        #expect(DashboardView.render(s).lines.joined().contains("order held"))
        // Past the hold the live order returns, the selection still on its job.
        let selected = s.selected
        Fixtures.settle(&s, jobs: reversed, snapshot: Fixtures.snapshot(takenAt: Fixtures.t0 + DashboardState.holdNs))
        #expect(s.request.query.pinned == nil && s.selected == selected)
        #expect(s.shown!.page.jobs.map(\.id) != onScreen)
    }

    @Test func aJobThatLeavesTheListHandsTheSelectionToItsNeighbourAndSaysSo() {
        var s = DashboardState(width: 120, height: 40)
        Fixtures.settle(&s, jobs: rotated(0))
        _ = press(&s, .char("/"), .char("s"), .char("c"), .char("h"), .char("e"), .char("d"),
                  .char("u"), .char("l"), .char("e"), .char("d"), .enter)
        Fixtures.settle(&s, jobs: rotated(0))
        _ = press(&s, .down, .down)
        #expect(s.selectedJob?.name == "object-3")
        let later = Fixtures.snapshot(takenAt: Fixtures.t0 + 2 * DashboardState.holdNs)
        Fixtures.settle(&s, jobs: rotated(0, states: [3: .running]), snapshot: later)
        #expect(s.selectedJob?.name == "object-4")
        #expect(s.flash == "object-3 (#3) is running now, outside the filter: selection moved to object-4")
        Fixtures.settle(&s, jobs: rotated(0, states: [3: .running, 4: .retired]),
                        snapshot: Fixtures.snapshot(takenAt: Fixtures.t0 + 3 * DashboardState.holdNs))
        #expect(s.selectedJob?.name == "object-5")
        #expect(s.flash?.hasPrefix("object-4 (#4) retired") == true)
    }

    @Test func keysNeverActOnRowsOfAnOlderQuery() {
        var s = Fixtures.state(width: 120, height: 40)
        // The filter is typed; the frame on view still answers the unfiltered query.
        _ = press(&s, .char("/"), .char("f"), .char("a"), .char("i"), .char("l"), .char("e"), .char("d"), .enter)
        #expect(!s.tableIsCurrent)
        #expect(s.selectedJob == nil)
        #expect(press(&s, .char("c")) == [] && s.overlay == .none)
        #expect(press(&s, .char("p")) == [])
        let screen = DashboardView.render(s)
        #expect(screen.lines.joined().contains("filtering…"))
        // Its rows are dimmed, none drawn as selected.
        let tasks = DashboardLayout(s).tasks
        #expect(screen[tasks.x + 2, tasks.y + 2].style == .dim)
        Fixtures.settle(&s)
        #expect(s.tableIsCurrent && s.selectedJob?.name == "object-7")
        #expect(press(&s, .char("c")) == [] && s.overlay == .confirmCancel(JobID(7), "object-7"))
    }

    @Test func pauseAllFollowsTheEngine() {
        var s = Fixtures.state(width: 120, height: 40)
        #expect(press(&s, .char("P")) == [.engine(.pauseAll)])
        #expect(s.allPaused)
        // A frame sampled before the engine had it does not flip the banner back.
        _ = s.update(.frame(Fixtures.frame(for: s)))
        #expect(s.allPaused)
        var paused = Fixtures.snapshot(); paused.pausedAll = true
        Fixtures.settle(&s, snapshot: paused)
        #expect(s.allPaused && s.allPausedAsked == nil)
        #expect(press(&s, .char("P")) == [.engine(.resumeAll)])
        Fixtures.settle(&s)
        #expect(!s.allPaused)
    }

    @Test func frozenIsOneInstantEventsIncluded() {
        var s = Fixtures.state(width: 120, height: 40)
        _ = press(&s, .char(" "))
        let before = DashboardView.render(s).lines
        let later = EngineEvent(seq: 9, atNs: Fixtures.t0, kind: .failed, job: JobID(9), name: "object-9", message: "late news", cause: .run)
        _ = s.update(.frame(Fixtures.frame(for: s, events: [later])))
        #expect(DashboardView.render(s).lines == before, "nothing on screen moves while frozen")
        // Not even the count of hidden finished tasks, when more finish meanwhile.
        var more = Fixtures.snapshot(takenAt: Fixtures.t0 + 1_000_000_000)
        more.jobsByState[.retired] = 5
        _ = s.update(.frame(Fixtures.frame(for: s, snapshot: more)))
        #expect(DashboardView.render(s).lines == before)
        _ = press(&s, .char(" "))
        #expect(DashboardView.render(s).lines.joined().contains("late news"))
    }

    @Test func detailWhileFrozenSaysItIsLive() {
        var s = Fixtures.state(width: 120, height: 40)
        _ = press(&s, .char(" "), .enter)
        #expect(s.detail == JobID(1))
        #expect(DashboardView.render(s).lines.joined().contains("loading"), "until the live frame with the detail comes")
        Fixtures.settle(&s)
        let text = DashboardView.render(s).lines.joined()
        #expect(text.contains("task object-1 #1") && text.contains("live (the rest of the screen is frozen)"))
        #expect(!text.contains("loading"))
    }

    @Test func aDetailTheEngineNoLongerKnowsSaysSo() {
        var s = Fixtures.state(width: 120, height: 40)
        _ = press(&s, .enter)
        // The sampler looked for the job and found nothing (forgotten).
        let gone = Fixtures.frame(for: s, jobs: Array(Fixtures.jobs(30).dropFirst()))
        _ = s.update(.frame(gone))
        #expect(DashboardView.render(s).lines.joined().contains("no longer known to the engine"))
    }

    @Test func countdownsAreTakenAtTheRecordsOwnInstant() {
        var job = Fixtures.job(3)
        job.schedule = "every 10s"
        // Read 1 s after the snapshot, just after a run rescheduled it 10 s ahead.
        job.sampledAtNs = Fixtures.t0 + 1_000_000_000
        job.nextDueNs = job.sampledAtNs + 10_000_000_000
        #expect(DashboardView.taskCells(job, .unicode)[4].0 == "10.0s")
        job.state = .paused
        job.nextDueNs = nil   // the engine's record of a paused job (JobWindowTests checks it)
        #expect(DashboardView.taskCells(job, .unicode)[4].0 == "-", "a paused task has no countdown")
    }

    @Test func ctrlZWarnsFirstThenSuspendsAndSaysHowLongJobsWereHeld() {
        var s = Fixtures.state(width: 120, height: 40)
        #expect(s.update(.suspendRequested(atNs: 10_000_000_000)) == [])
        // 30 jobs, one retired: the 29 alive are what stops.
        #expect(s.flash?.contains("all 29 jobs stop running until fg") == true)
        // Too late for the first warning: it warns again.
        #expect(s.update(.suspendRequested(atNs: 14_000_000_000)) == [])
        #expect(s.update(.suspendRequested(atNs: 15_000_000_000)) == [.suspend])
        _ = s.update(.resumedFromSuspend(afterNs: 12_300_000_000))
        #expect(s.flash?.hasPrefix("back after 12.3s suspended: every job was held") == true)
    }

    @Test func footerNoticesFade() {
        var s = Fixtures.state(width: 120, height: 40)
        _ = s.update(.key(.char("h")))
        #expect(s.flash != nil)
        Fixtures.settle(&s, snapshot: Fixtures.snapshot(takenAt: Fixtures.t0 + DashboardState.flashNs + 1))
        #expect(s.flash == nil)
    }

    @Test func smallerPoints() {
        // A scrolled threads list marks what is above as well as below.
        var s = Fixtures.state(width: 120, height: 40)
        let big = Fixtures.snapshot(workers: 40)
        Fixtures.settle(&s, snapshot: big)
        _ = s.update(.key(.tab)); _ = s.update(.key(.tab))   // tasks → events → threads
        #expect(s.focus == .threads)
        _ = s.update(.key(.pageDown))
        let threads = DashboardLayout(s).threads
        let border = DashboardView.render(s).lines[threads.y]
        #expect(border.contains("▲") && border.contains("more"), "\(border)")
        // While the pool shrinks, the header counts the leaving workers apart (not "2/1 busy").
        var shrinking = Fixtures.snapshot(workers: 4)
        shrinking.workers[0].retiring = true
        shrinking.workers[1].retiring = true
        Fixtures.settle(&s, snapshot: shrinking)
        let header = DashboardView.render(s).lines[0]
        #expect(header.contains("workers 0/2 busy +2 leaving"), "\(header)")
        // Demo figures group their counts; a counted message reads N× message.
        #expect(DemoFigure("jobs", 1_000_000).item == "jobs 1,000,000")
        #expect(DemoFigure(message: "HTTP 503 from upstream", count: 2).item == "2× HTTP 503 from upstream")
        #expect(DemoFigure("speedup", 1.9).item == "speedup 1.9")
        #expect(DemoFigure("leds", "#.#").item == "leds #.#")
        // The too-small notice wraps to any width instead of being cut.
        let tiny = DashboardView.render(Fixtures.state(width: 20, height: 8)).lines.joined(separator: "\n")
        #expect(tiny.contains("need 60x16, have") && tiny.contains("20x8"), "\(tiny)")
    }
}
