import Foundation
import Testing

/// The real binary, driven under tmux like a person would, asserting on the
/// screen and on the terminal's modes afterwards. One at a time: each runs a
/// 12-worker engine, and a dozen at once (under TSan) starve the 2-core
/// machine and the other suites.
@Suite(.serialized, .enabled(if: tmuxAvailable, "tmux is not installed (scripts/setup.sh installs it)"))
struct DashboardEndToEndTests {
    /// The task row of `name` (a name ends at a space, so object-1 ≠ object-12).
    func row(_ s: TmuxSession, _ name: String) -> String? { s.line(containing: "│\(name) ") }

    @Test func panelsAppearAndQuitRestoresTheTerminal() throws {
        let s = try TmuxSession()
        let screen = try s.waitFor("all panels") { $0.contains("threads 12") && $0.contains("queues") && $0.contains("tasks") && $0.contains("events") }
        #expect(screen.contains("Tickwork"))
        #expect(screen.contains("object-1"))
        #expect(screen.contains("timer"))
        #expect(s.alternateScreen)
        try s.send("q")
        let end = try s.waitFor(text: "EXIT=0")
        #expect(end.contains("tickwork: stopped in"))
        #expect(!s.alternateScreen)
    }

    @Test func pauseAndResumeTheSelectedTask() throws {
        let s = try TmuxSession()
        try s.waitFor(text: "object-1 ")
        try s.send("p")   // the cursor starts on the first task: object-1
        try s.waitFor("object-1 paused", seconds: 10) { _ in row(s, "object-1")?.contains(" paused ") == true }
        try s.send("p")
        try s.waitFor("object-1 resumed", seconds: 10) { _ in
            guard let r = row(s, "object-1") else { return false }
            return !r.contains(" paused ") && !r.contains("pauses after")
        }
    }

    @Test func cancelAsksThenCancels() throws {
        let s = try TmuxSession()
        try s.waitFor(text: "object-2 ")
        try s.send("j", "c")
        try s.waitFor(text: "Cancel object-2 (#2)?")
        try s.send("y")
        // The engine's answer names the task and its id.
        let screen = try s.waitFor(text: "object-2 (#2)")
        // A sleeping run is woken at once, so `cancelling` may be too brief to
        // see here; the row must end `cancelled` either way.
        _ = screen
        // Finished tasks are hidden by default: the selection moves on and says why; h shows them.
        try s.waitFor("object-2 gone from the list", seconds: 10) { _ in row(s, "object-2") == nil }
        try s.send("h")
        try s.waitFor("object-2 cancelled", seconds: 10) { _ in row(s, "object-2")?.contains(" cancelled ") == true }
    }

    @Test func demosMenuLaunchesADemoAndStopsIt() throws {
        let s = try TmuxSession(["--demo", "blink"])
        try s.waitFor(text: "blink.animator")
        #expect(s.screen().contains("threads 1"))
        try s.send("n")
        try s.waitFor(text: "Enter: launch")
        try s.send("j", "j")   // refresh, pipeline, race
        try s.send("Enter")
        try s.waitFor(text: "started demo race")
        // The pool grew by the four threads the race is written for; its
        // jobs and its figures panel appear beside the blink demo's.
        try s.waitFor("race running") { $0.contains("threads 5") && $0.contains("race.adder-4") && $0.contains("expected") }
        try s.waitFor("race adds up") { screen in
            screen.contains("locked ") && s.line(containing: "expected")?.contains("expected 0") == false
        }
        try s.send("n", "x")   // the menu opens where it was left: on race
        try s.waitFor(text: "race (stopped)")
        try s.send("h")   // show finished tasks
        try s.waitFor("every adder cancelled") { _ in
            (1...4).allSatisfy { row(s, "race.adder-\($0)")?.contains(" cancelled ") == true }
        }
        #expect(row(s, "blink.animator")?.contains(" cancelled ") == false, "the other demo runs on")
        try s.waitFor(text: "threads 1")   // the race's threads went back
        try s.send("q")
        try s.waitFor(text: "EXIT=0")
    }

    @Test func aRunThatIgnoresCancelShowsCancelling() throws {
        // The faults demo's hung job blocks for 10 s, deaf to cancel, from 2 s in.
        let s = try TmuxSession(["--demo", "faults"])
        try s.waitFor("the hung job running") { _ in row(s, "faults.hung")?.contains(" running ") == true }
        try s.send("j", "j", "j")   // flaky, always-fails, slow-call, hung
        try s.send("c")
        try s.waitFor(text: "Cancel faults.hung (#")
        try s.send("y")
        try s.waitFor("faults.hung cancelling") { _ in row(s, "faults.hung")?.contains(" cancelling ") == true }
        #expect(s.screen().contains("faults.hung on a"), "its thread says what it waits on")
        #expect(s.screen().contains("cancelling 1"))
        try s.send("q", "q")
        try s.waitFor(text: "EXIT=0")
    }

    @Test func quitNamesTheRunsItAbandoned() throws {
        // The faults demo's hung job blocks for 10 s, deaf to cancel, from 2 s in: past the 5 s deadline.
        let s = try TmuxSession(["--demo", "faults"])
        try s.waitFor("the hung job running") { _ in
            guard let r = row(s, "faults.hung") else { return false }
            return r.contains(" running ") || r.contains(" failed ")
        }
        try s.send("q")
        try s.waitFor(text: "faults.hung (")   // the stopping screen lists what it waits for
        let end = try s.waitFor(text: "EXIT=", seconds: 15)
        #expect(end.contains("abandoned 1 running job") && end.contains("faults.hung (#"), "\(end)")
    }

    @Test func plusGrowsThePool() throws {
        let s = try TmuxSession()
        try s.waitFor(text: "threads 12")
        try s.send("+")
        try s.waitFor(text: "threads 13")
        try s.send("-", "-")
        try s.waitFor("the pool back to 11") { $0.contains("threads 11") || $0.contains("→ 11") }
    }

    @Test func resizeReLaysOutAndTooSmallSaysSo() throws {
        let s = try TmuxSession()
        try s.waitFor(text: "threads 12")
        try s.resize(80, 24)
        let small = try s.waitFor("an 80-column layout") { screen in
            let lines = screen.split(separator: "\n", omittingEmptySubsequences: false)
            return screen.contains("tasks") && lines.contains { $0.hasPrefix("└") && $0.count == 80 }
        }
        #expect(!small.contains("terminal too small"))
        try s.resize(40, 10)
        try s.waitFor(text: "terminal too small")
        try s.resize(120, 40)
        try s.waitFor("the full layout again") { $0.contains("threads 12") && !$0.contains("terminal too small") }
    }

    @Test func survivesAThousandResizes() throws {
        let s = try TmuxSession()
        try s.waitFor(text: "threads 12")
        let sizes = [(80, 24), (120, 40), (61, 17), (200, 50), (30, 8), (100, 30)]
        // A hundred resizes per tmux call: a thousand SIGWINCHes as fast as tmux sends them.
        for batch in 0..<10 {
            var args: [String] = []
            for i in 0..<100 {
                let (w, h) = sizes[(batch * 100 + i) % sizes.count]
                if !args.isEmpty { args.append(";") }
                args += ["resize-window", "-t", "t", "-x", "\(w)", "-y", "\(h)"]
            }
            try s.tmux(args)
        }
        try s.resize(120, 40)
        try s.waitFor("a sane screen after 1000 resizes") { $0.contains("threads 12") && $0.contains("tasks") }
        try s.send("q")
        try s.waitFor(text: "EXIT=0")
        #expect(!s.alternateScreen)
    }

    @Test(arguments: [("TERM", 15), ("HUP", 1), ("QUIT", 3)])
    func signalsRestoreTheTerminal(_ name: String, _ number: Int32) throws {
        let s = try TmuxSession()
        try s.waitFor(text: "threads 12")
        let pid = try #require(s.pid)
        #expect(kill(pid, number) == 0)
        try s.waitFor(text: "EXIT=\(128 + number)")
        #expect(!s.alternateScreen)
        _ = name
    }

    @Test func ctrlCQuitsGracefully() throws {
        let s = try TmuxSession()
        try s.waitFor(text: "threads 12")
        try s.send("C-c")
        try s.waitFor(text: "EXIT=0")
        #expect(!s.alternateScreen)
    }

    @Test func ctrlZSuspendsAndContinueRedraws() throws {
        let s = try TmuxSession()
        try s.waitFor(text: "threads 12")
        // The first Ctrl-Z only says what suspending would do.
        try s.send("C-z")
        try s.waitFor(text: "jobs stop running until fg")
        #expect(s.alternateScreen, "not suspended yet")
        try s.send("C-z")
        try s.waitFor("the terminal given back") { _ in !s.alternateScreen }
        let pid = try #require(s.pid)
        #expect(kill(pid, SIGCONT) == 0)
        try s.waitFor("the dashboard back") { $0.contains("threads 12") && s.alternateScreen }
        try s.waitFor(text: "every job was held that long")
        try s.send("q")
        try s.waitFor(text: "EXIT=0")
    }

    @Test func aCrashRestoresTheTerminal() throws {
        let s = try TmuxSession(["--debug-crash-after", "3"])
        try s.waitFor(text: "threads 12", seconds: 20)
        let end = try s.waitFor(text: "EXIT=", seconds: 15)
        #expect(end.contains("the terminal was restored"))
        #expect(!s.alternateScreen)
    }

    @Test(arguments: [("dumb", "TERM=dumb"), ("no-such-terminal", "no-such-terminal"), ("", "TERM is not set")])
    func unusableTerminalsAreNamed(_ term: String, _ expected: String) throws {
        let s = try TmuxSession([], env: ["TERM": term])
        let screen = try s.waitFor(text: "EXIT=2")
        #expect(screen.contains(expected))
        #expect(screen.contains("tickwork headless"))
    }

    @Test func asciiUnderTheCLocaleAndNoColourUnderNO_COLOR() throws {
        let s = try TmuxSession([], env: ["LANG": "C", "LC_ALL": "C", "NO_COLOR": "1"])
        let screen = try s.waitFor(text: "threads 12")
        #expect(screen.contains("+- threads"))
        let styled = try s.tmux(["capture-pane", "-p", "-e", "-t", "t"])
        #expect(colourCodes(in: styled).isEmpty, "colour codes under NO_COLOR")
        #expect(styled.contains("\u{1B}[1m"), "attributes (bold) stay")
    }

    /// SGR parameters that set a colour (30–38, 40–48, 90–107); 39/49 only reset to the default.
    func colourCodes(in text: String) -> [String] {
        var found: [String] = []
        var rest = Substring(text)
        while let start = rest.range(of: "\u{1B}[") {
            rest = rest[start.upperBound...]
            guard let m = rest.firstIndex(where: { !"0123456789;".contains($0) }) else { break }
            if rest[m] == "m" {
                for p in rest[..<m].split(separator: ";").compactMap({ Int($0) })
                where (30...38).contains(p) || (40...48).contains(p) || (90...107).contains(p) { found.append("\(p)") }
            }
            rest = rest[m...]
        }
        return found
    }

    @Test func noTerminalAtAll() throws {
        let (status, text) = try spawnAndWait([TmuxSession.binary.path, "--log-file",
                                               NSTemporaryDirectory() + "tickwork-e2e-noterm.log"])
        #expect(status == 2)
        #expect(text.contains("not a terminal"))
        #expect(text.contains("tickwork headless"))
    }
}
