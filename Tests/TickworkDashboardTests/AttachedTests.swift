import Testing
@testable import Tickwork
@testable import TickworkDashboard

/// A dashboard attached to a server: `q` detaches, `Q` stops the server
/// after asking, Ctrl-Z suspends at once, a lost server offers to reconnect.
@Suite struct AttachedTests {
    func attached(readOnly: Bool = false, width: Int = 120) -> DashboardState {
        var s = Fixtures.state(width: width, height: 40)
        s.attached = AttachedServer(path: "/run/user/0/tickwork/42.sock", name: "jobs.yaml", pid: 42, readOnly: readOnly)
        return s
    }

    func press(_ s: inout DashboardState, _ keys: Key...) -> [DashboardCommand] { keys.flatMap { s.update(.key($0)) } }
    func screen(_ s: DashboardState) -> String { DashboardView.render(s).lines.joined(separator: "\n") }

    @Test func qAndCtrlCDetachTheServerGoesOn() {
        var s = attached()
        let q = press(&s, .char("q"))
        #expect(q == [.detach], "q gave \(q)")
        #expect(!s.quitting)
        let c = s.update(.interrupt)
        #expect(c == [.detach], "Ctrl-C gave \(c)")
        let wide = screen(s)
        #expect(wide.contains("q detach"))
        #expect(wide.contains("@ jobs.yaml (pid 42)"))
        // A name too long for a third of the title row: the pid only.
        var narrow = attached(width: 80)
        narrow.attached?.name = "demo refresh, pipeline, timers + jobs.yaml"
        let title = screen(narrow).split(separator: "\n").first.map(String.init) ?? ""
        #expect(title.contains("@ pid 42") && !title.contains("pipeline"))
    }

    @Test func capitalQAsksThenStopsTheServer() {
        var s = attached()
        #expect(press(&s, .char("Q")) == [] && s.overlay == .confirmStopServer)
        #expect(screen(s).contains("Stop the server jobs.yaml (pid 42), its engine and every job?"))
        #expect(press(&s, .char("n")) == [] && s.overlay == .none && s.flash == "the server goes on")
        #expect(press(&s, .char("Q"), .char("y")) == [.quit] && s.quitting)
        var ro = attached(readOnly: true)
        #expect(press(&ro, .char("Q")) == [] && ro.overlay == .none && ro.flash?.contains("read-only") == true)
        var local = Fixtures.state(width: 120, height: 40)
        #expect(press(&local, .char("Q")) == [] && local.overlay == .none, "Q means nothing without a server")
    }

    @Test func ctrlZSuspendsOnlyTheDashboardAtOnce() {
        var s = attached()
        #expect(s.update(.suspendRequested(atNs: 1)) == [.suspend])
        _ = s.update(.resumedFromSuspend(afterNs: 2_000_000_000))
        #expect(s.flash?.contains("the server's jobs ran on meanwhile") == true)
    }

    @Test func aLostServerOffersToReconnect() {
        var s = attached()
        #expect(s.update(.serverLost("the server at /run/user/0/tickwork/42.sock went away")) == [])
        let text = screen(s)
        #expect(text.contains("lost the server at /run/user/0/tickwork/42.sock") && text.contains("r: reconnect   q: leave"))
        #expect(press(&s, .char("x")) == [] && s.overlay != .none, "other keys wait")
        #expect(press(&s, .char("r")) == [.reconnect] && s.overlay == .none)
        _ = s.update(.reconnected)
        #expect(s.flash == "reconnected to /run/user/0/tickwork/42.sock")
        _ = s.update(.serverLost("gone"))
        #expect(press(&s, .char("q")) == [.detach])
    }

    @Test func theAttachedHelpListsItsKeys() {
        var s = attached()
        _ = press(&s, .char("?"))
        let text = screen(s)
        #expect(text.contains("detach: the server and its jobs go on") && text.contains("stop the server"))
        #expect(text.contains("suspend this dashboard only"))
    }
}
