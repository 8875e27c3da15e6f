import Foundation
import Testing

/// The state file of `tickwork serve --file`, with real processes: a
/// server killed with SIGKILL and started again keeps its history and
/// numbers its runs on; a cron job due while no server ran runs once at
/// start-up; state files it cannot use are named and refused.
@Suite(.serialized)
struct StateEndToEndTests {
    /// A folder for a job file, its output and its state file.
    final class Workspace {
        let folder: String
        init() {
            var template = Array("/tmp/tickwork-e2e-state-XXXXXX".utf8CString)
            folder = String(cString: mkdtemp(&template)!)
        }
        var jobFile: String { folder + "/jobs.yaml" }
        var state: String { folder + "/state.sqlite" }
        var out: String { folder + "/out.txt" }
        func write(_ yaml: String) throws { try yaml.write(toFile: jobFile, atomically: true, encoding: .utf8) }
        var lines: [String] { ((try? String(contentsOfFile: out, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init) }
        /// Waits (real time: the jobs run on the wall clock) for `count` lines.
        func waitForLines(_ count: Int, seconds: Double = 20) throws {
            let deadline = Date().addingTimeInterval(seconds)
            while lines.count < count {
                if Date() > deadline { throw E2EError("\(count) lines in \(out) not seen; it has \(lines)") }
                Thread.sleep(forTimeInterval: 0.05)
            }
        }
        /// Runs SQL on the state file with Python's sqlite3 (another program).
        func sql(_ statement: String) throws {
            let (status, text) = try spawnAndWait(["python3", "-c", "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute(sys.argv[2]); c.commit()", state, statement])
            if status != 0 { throw E2EError("sql failed: \(text)") }
        }
        /// Waits for the first value `query` reads from the state file
        /// (another program reading it) to reach `value`.
        func waitForQuery(_ query: String, atLeast value: Int, seconds: Double = 20) throws {
            let deadline = Date().addingTimeInterval(seconds)
            while true {
                let (status, text) = try spawnAndWait(["python3", "-c", "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute(sys.argv[2]).fetchone()[0] or 0)", state, query])
                if status == 0, let v = Int(text.trimmingCharacters(in: .whitespacesAndNewlines)), v >= value { return }
                if Date() > deadline { throw E2EError("\(query) did not reach \(value): \(text)") }
                Thread.sleep(forTimeInterval: 0.05)
            }
        }
        deinit { _ = try? FileManager.default.removeItem(atPath: folder) }
    }

    @Test(.enabled(if: tmuxAvailable, "needs tmux"))
    func aKillNineThenARestartKeepsTheHistory() throws {
        let w = Workspace()
        try w.write("""
            jobs:
              - name: slow
                shell: sleep 317
                every: 1h
              - name: tick
                shell: echo "$TICKWORK_RUN" >> \(w.out)
                every: 1s
            """)
        defer { _ = try? spawnAndWait(["pkill", "-f", "sleep 317"]) }
        let first = try ServeProcess(["--file", w.jobFile, "--state", w.state])
        try first.waitUntilListening()
        #expect(first.output.contains("state in \(w.state)\n"))
        try w.waitForLines(3)
        // Once run 3's start is on file (a start is written at once when
        // posts are few), a SIGKILL.
        try w.waitForQuery("SELECT max(run) FROM runs WHERE job = 'tick'", atLeast: 3)
        kill(first.pid, SIGKILL)
        _ = first.wait()
        let before = w.lines.compactMap { Int($0) }

        let second = try ServeProcess(["--file", w.jobFile, "--state", w.state])
        try second.waitUntilListening()
        #expect(second.output.contains("state in \(w.state) (1 run cut off by the last stop marked interrupted)"), "\(second.output)")
        // Runs number on from the last one on record: no run 1 again.
        try w.waitForLines(before.count + 2)
        let numbers = w.lines.compactMap { Int($0) }
        #expect(numbers == Array(1...numbers.count), "\(numbers)")
        // The dashboard shows the run the kill cut off, in the job's history.
        let s = try TmuxSession([String(second.pid)], subcommand: "attach", env: second.env)
        try s.waitFor(text: "slow")
        try s.send("Enter")
        try s.waitFor(text: "interrupted: the server stopped before the run ended (pid")
        try s.send("Escape", "q")
        try s.waitFor(text: "EXIT=0")
        #expect(second.stop() == 0)
    }

    @Test func aCronJobDueWhileNoServerRanRunsOnceAtStartUp() throws {
        let w = Workspace()
        try w.write("""
            jobs:
              - name: nightly
                shell: echo "$TICKWORK_JOB $TICKWORK_RUN" >> \(w.out)
                cron: "0 3 * * *"
                missed: run_once_late
            """)
        let first = try ServeProcess(["--file", w.jobFile, "--state", w.state])
        try first.waitUntilListening()
        #expect(first.stop() == 0)
        #expect(w.lines.isEmpty)
        // Two days without a server: two 03:00 fire times passed.
        try w.sql("UPDATE jobs SET last_due_ns = last_due_ns - 2 * 86400 * 1000000000 WHERE name = 'nightly'")
        let second = try ServeProcess(["--file", w.jobFile, "--state", w.state])
        try second.waitUntilListening()
        try w.waitForLines(1)
        #expect(second.stop() == 0)
        #expect(w.lines == ["nightly 1"])
        // Started again at once: nothing was missed since, nothing runs.
        let third = try ServeProcess(["--file", w.jobFile, "--state", w.state])
        try third.waitUntilListening()
        let (status, json) = try third.client(["status", "--json"])
        #expect(status == 0 && json.contains("\"nightly\""))
        #expect(third.stop() == 0)
        #expect(w.lines == ["nightly 1"])
    }

    @Test(.enabled(if: tmuxAvailable, "needs tmux"))
    func theDashboardKeepsAStateFileWhenAskedTo() throws {
        let w = Workspace()
        try w.write("""
            jobs:
              - name: hourly
                shell: echo "run $TICKWORK_RUN" >> \(w.out)
                every: 1h
            """)
        for round in 1...2 {
            let s = try TmuxSession(["--file", w.jobFile, "--state", w.state])
            try s.waitFor(text: "hourly")
            if round == 1 { try w.waitForLines(1) }
            if round == 2 {
                // An hourly job that ran a minute ago waits for its hour; the
                // first dashboard's run is in this one's detail; run it now.
                try s.waitFor(text: "59m")
                try s.send("Enter")
                try s.waitFor(text: "run 1")
                try s.send("Escape", "r")
                try w.waitForLines(2)
            }
            try s.send("q")
            try s.waitFor(text: "EXIT=0", seconds: 20)
        }
        #expect(w.lines == ["run 1", "run 2"])
    }

    @Test func stateFilesItCannotUseAreNamed() throws {
        let w = Workspace()
        try w.write("""
            jobs:
              - name: idle
                shell: "true"
                every: 1h
            """)
        let binary = TmuxSession.binary.path
        // Not a database at all.
        let garbage = w.folder + "/garbage.sqlite"
        try Data((0..<4096).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }).write(to: URL(fileURLWithPath: garbage))
        var (status, text) = try spawnAndWait([binary, "serve", "--file", w.jobFile, "--state", garbage])
        #expect(status == 2 && text == "tickwork: state: \(garbage) is not a Tickwork state file (file is not a database); move it away or choose another --state\n", "\(text)")
        // In use by a running server.
        let running = try ServeProcess(["--file", w.jobFile, "--state", w.state])
        try running.waitUntilListening()
        (status, text) = try spawnAndWait([binary, "serve", "--file", w.jobFile, "--state", w.state, "--socket", w.folder + "/other.sock"])
        #expect(status == 2 && text == "tickwork: state: \(w.state) is in use by another tickwork (pid \(running.pid)); give each server its own --state\n", "\(text)")
        #expect(running.stop() == 0)
        // Written by a newer Tickwork.
        try w.sql("PRAGMA user_version = 9")
        (status, text) = try spawnAndWait([binary, "serve", "--file", w.jobFile, "--state", w.state])
        #expect(status == 2 && text.contains("was written by a newer Tickwork (state schema 9; this one knows up to 1)"), "\(text)")
        // A folder it cannot make.
        (status, text) = try spawnAndWait([binary, "serve", "--file", w.jobFile, "--state", w.jobFile + "/x/state.sqlite"])
        #expect(status == 2 && text.hasPrefix("tickwork: state: cannot make \(w.jobFile)"), "\(text)")
        // --state without a job file.
        (status, text) = try spawnAndWait([binary, "serve", "--demo", "blink", "--state", w.state])
        #expect(status == 64 && text.contains("--state keeps a job file's runs: give --file too"), "\(text)")
        (status, text) = try spawnAndWait([binary, "--demo", "blink", "--state", w.state])
        #expect(status == 64 && text.contains("--state keeps a job file's runs: give --file too"), "\(text)")
    }
}
