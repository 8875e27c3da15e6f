import Testing
@testable import Tickwork
@testable import TickworkDashboard

/// A command job's detail: its command line, its runs, the chosen run's
/// output scrolled, and the kill and reload keys. Pure, no terminal.
@Suite struct RunsViewTests {
    func press(_ s: inout DashboardState, _ keys: Key...) -> [DashboardCommand] {
        keys.flatMap { s.update(.key($0)) }
    }

    static let start: Int64 = 1_796_112_000_000_000_000

    static func history(running: Int32? = nil) -> RunHistory {
        let lines = (1...60).map { "line \($0)" }.joined(separator: "\n") + "\n"
        let runs = [
            RunRecord(run: 1, startWallNs: start, durationNs: 12_000_000, outcome: "exit 0", failed: false,
                      stdout: nil, stderr: nil, stdoutBytes: 10, stderrBytes: 0, truncated: false),
            RunRecord(run: 2, startWallNs: start + 10_000_000_000, durationNs: 30_000_000, outcome: "exit 3: boom", failed: true,
                      stdout: "partial\n", stderr: "boom\n", stdoutBytes: 8, stderrBytes: 5, truncated: false),
            RunRecord(run: 3, startWallNs: start + 20_000_000_000, durationNs: 5_000_000, outcome: "exit 0", failed: false,
                      stdout: "first\n… 20971520 bytes not kept …\n" + lines, stderr: "", stdoutBytes: 21_000_000,
                      stderrBytes: 0, truncated: true),
        ]
        return RunHistory(command: "seq 1 3000000", runs: runs, runningPid: running,
                          runningSinceWallNs: running.map { _ in start + 30_000_000_000 })
    }

    /// The detail of job 1 open, its frames carrying `runs`.
    func detailState(_ runs: RunHistory) -> DashboardState {
        var s = Fixtures.state(width: 120, height: 40)
        _ = press(&s, .enter)
        var frame = Fixtures.frame(for: s)
        frame.runs = runs
        _ = s.update(.frame(frame))
        return s
    }

    func screen(_ s: DashboardState) -> String { DashboardView.render(s).lines.joined(separator: "\n") }

    @Test("the detail shows the command, the runs newest first, and the newest run's output with its truncation marked")
    func showsRuns() {
        let s = detailState(Self.history())
        let text = screen(s)
        #expect(text.contains("command        seq 1 3000000"))
        let rows = DashboardView.render(s).lines.filter { $0.contains("run 1 ") || $0.contains("run 2 ") || $0.contains("run 3 ") }
        #expect(rows.count == 3 && rows[0].contains("> run 3") && rows[1].contains("exit 3: boom") && rows[2].contains("run 1"))
        #expect(text.contains("output of run 3: stdout 21,000,000 bytes, stderr 0; truncated"))
        #expect(text.contains("… 20971520 bytes not kept …") && text.contains("line 1"))
        #expect(text.contains("more"))   // 60 lines do not fit: the rest is marked below
    }

    @Test("at 80x24 the detail is compact: the command, the runs and the output keep the room")
    func compactAt80x24() {
        var s = Fixtures.state(width: 80, height: 24)
        _ = press(&s, .enter)
        var frame = Fixtures.frame(for: s)
        frame.runs = Self.history()
        _ = s.update(.frame(frame))
        let text = screen(s)
        #expect(text.contains("command        seq 1 3000000") && text.contains("> run 3") && text.contains("output of run 3"))
        #expect(text.contains("first") && !text.contains("duration mean/max"))
    }

    @Test("down picks an older run; its stderr shows under a marker; an old run says its output is gone")
    func picksRuns() {
        var s = detailState(Self.history())
        _ = press(&s, .down)
        #expect(s.detailRun == 1)
        var text = screen(s)
        #expect(text.contains("output of run 2") && text.contains("partial") && text.contains("-- stderr --") && text.contains("boom"))
        _ = press(&s, .down, .down)
        #expect(s.detailRun == 2)
        text = screen(s)
        #expect(text.contains("older runs give their output back"))
        _ = press(&s, .up, .up)
        #expect(s.detailRun == 0)
    }

    @Test("page keys scroll the output; End shows its last line")
    func scrolls() {
        var s = detailState(Self.history())
        #expect(!screen(s).contains("line 60"))
        _ = press(&s, .end)
        #expect(screen(s).contains("line 60") && !screen(s).contains("more"))
        let atEnd = s.outputScroll
        _ = press(&s, .pageUp)   // from the end, a page up moves at once
        #expect(s.outputScroll < atEnd && !screen(s).contains("line 60"))
        _ = press(&s, .pageDown, .pageDown, .pageDown)
        #expect(s.outputScroll == atEnd)
        _ = press(&s, .home)
        #expect(s.outputScroll == 0)
        #expect(screen(s).contains("line 1 ") && !screen(s).contains("line 60"))
        _ = press(&s, .pageDown)
        #expect(s.outputScroll > 0)
    }

    @Test("K asks before it kills the running group, names it, and y sends the kill")
    func killAsks() {
        var s = detailState(Self.history(running: 4242))
        #expect(screen(s).contains("running, pid 4242"))
        #expect(press(&s, .char("K")).isEmpty)
        #expect(s.overlay == .confirmKill(JobID(1), "object-1", 4242))
        #expect(screen(s).contains("Kill object-1 (#1)'s process group 4242 now (SIGKILL)?"))
        #expect(press(&s, .char("y")) == [.engine(.killRun(JobID(1)))])
        #expect(s.flash?.contains("SIGKILL to process group 4242") == true)
        _ = press(&s, .char("K"))
        #expect(press(&s, .char("n")).isEmpty && s.flash == "not killed: object-1 (#1)")
    }

    @Test("r runs the selected task once now (the row's, or the open detail's)")
    func runNowKey() {
        var s = Fixtures.state(width: 120, height: 40)
        #expect(press(&s, .char("r")) == [.engine(.runNow(JobID(1)))])
        #expect(s.flash?.hasPrefix("running object-1 (#1) once now") == true)
        _ = press(&s, .down, .enter)
        _ = s.update(.frame(Fixtures.frame(for: s)))
        #expect(press(&s, .char("r")) == [.engine(.runNow(JobID(2)))])
    }

    @Test("K on a job that runs no process says so; R reloads only with a job file")
    func killNothingAndReload() {
        var s = detailState(Self.history())
        #expect(press(&s, .char("K")).isEmpty && s.overlay == .none)
        #expect(s.flash?.contains("runs no process now") == true)
        #expect(press(&s, .char("R")).isEmpty && s.flash?.contains("no job file to reload") == true)
        s.canReload = true
        #expect(press(&s, .char("R")) == [.engine(.reloadJobFile)])
    }
}
