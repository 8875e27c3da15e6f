import Foundation
import Testing

/// Job files through the real binary: `check` and `next` on the command
/// line, and the dashboard under tmux showing a file's jobs, a run's output
/// and the kill key ending a hung job's whole process group.
@Suite struct JobFileEndToEndTests {
    func tempFile(_ text: String) throws -> String {
        let path = NSTemporaryDirectory() + "tw-e2e-jobs-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).yaml"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func checkReportsEveryProblemAndPassesAGoodFile() throws {
        let bad = try tempFile("jobs:\n  - name: a\n    comand: [true]\n    every: 10\n")
        defer { try? FileManager.default.removeItem(atPath: bad) }
        let (status, text) = try spawnAndWait([TmuxSession.binary.path, "check", bad])
        #expect(status == 1)
        #expect(text.contains("\(bad):3:5: unknown key \"comand\" in jobs[0]; did you mean \"command\"?"))
        #expect(text.contains("\(bad):4:12: every: \"10\" has no unit"))
        let (refused, message) = try spawnAndWait([TmuxSession.binary.path, "headless", "--file", bad, "--duration", "1"])
        #expect(refused == 1 && message.contains("nothing was started"))
        let good = try tempFile("jobs:\n  - {name: a, command: [true], every: 10s}\n")
        defer { try? FileManager.default.removeItem(atPath: good) }
        let (ok, summary) = try spawnAndWait([TmuxSession.binary.path, "check", good])
        #expect(ok == 0 && summary.contains("valid: 1 job") && summary.contains("a: every 10s: true"))
    }

    @Test func nextListsCronInstantsAcrossASpringForward() throws {
        let (status, text) = try spawnAndWait([TmuxSession.binary.path, "next", "--cron", "30 2 * * *", "--tz", "America/New_York",
                                               "--from", "2026-03-07T00:00", "--count", "3"])
        #expect(status == 0)
        // 02:30 does not exist on the 8th: the run comes right after the gap, at 03:00 EDT.
        #expect(text.split(separator: "\n") == ["2026-03-07T07:30:00.000Z", "2026-03-08T07:00:00.000Z", "2026-03-09T06:30:00.000Z"])
    }

    @Test func dashboardShowsAJobFileItsOutputKillsAHungGroupAndRunsAJobNow() throws {
        let file = try tempFile("""
            jobs:
              - {name: hello, command: [echo, hello from a job], every: 1h}
              - {name: hung, shell: 'trap "" TERM; sleep 100000', after: 0s, kill_after: 1s}
            """)
        defer { try? FileManager.default.removeItem(atPath: file) }
        let s = try TmuxSession(["--file", file])
        try s.waitFor(text: "tasks 2")
        let running = try s.waitFor("the hung job's pid") { $0.contains("pid ") && $0.contains(" running") }
        let pidText = running.split(separator: "\n").first { $0.contains("│hung ") }?
            .components(separatedBy: "pid ").last?.prefix { $0.isNumber }
        let group = try #require(pidText.flatMap { Int32($0) })
        #expect(kill(-group, 0) == 0)
        // The first row is hello: its detail shows the command and the run's output.
        try s.waitFor(text: "exit 0 in")
        try s.send("Enter")
        try s.waitFor(text: "command        echo 'hello from a job'")
        try s.waitFor(text: "hello from a job")
        try s.waitFor(text: "output of run 1: stdout 17 bytes")
        try s.send("Escape")
        try s.send("Down", "K")
        try s.waitFor(text: "Kill hung (#2)'s process group \(group) now (SIGKILL)?")
        try s.send("y")
        try s.waitFor(text: "killed by SIGKILL (killed by hand)")
        #expect(kill(-group, 0) == -1 && errno == ESRCH)
        // r runs hello once more now; its hourly schedule stays.
        try s.send("Up", "r")
        try s.send("Enter")
        try s.waitFor(text: "> run 2")
        try s.waitFor(text: "in 59m")
        try s.send("Escape", "q")
        try s.waitFor(text: "EXIT=0")
    }
}
