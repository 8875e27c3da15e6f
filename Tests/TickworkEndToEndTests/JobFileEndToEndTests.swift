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

/// The program runs with glibc's per-thread malloc caches off and one arena
/// (it starts itself again with the tunables set, `ProcessMemory`), and the
/// commands it runs see the environment as the person had it.
@Suite struct MallocTuningEndToEndTests {
    /// Runs `tickwork headless ARGS` with `GLIBC_TUNABLES` set to `tunables`
    /// (nil: unset) until a report line counts `runs` runs ended, then
    /// interrupts it; the environment its running image started with.
    func startedEnvironment(_ args: [String], tunables: String?, runs: Int = 0) throws -> [String] {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: TmuxSession.binary.path)
        p.arguments = ["headless"] + args + ["--interval", "0.2", "--json"]
        var env = ProcessInfo.processInfo.environment
        env["GLIBC_TUNABLES"] = tunables
        env["MALLOC_ARENA_MAX"] = nil
        p.environment = env
        let pipe = Pipe()
        p.standardOutput = pipe
        try p.run()
        // Running (and started again) once a report line is out, with the runs asked for.
        let handle = pipe.fileHandleForReading
        var data = Data()
        func ranEnough() -> Bool {
            data.split(separator: UInt8(ascii: "\n")).contains { line in
                ((try? JSONSerialization.jsonObject(with: Data(line))) as? [String: Any])?["runs"] as? Int ?? -1 >= runs
            }
        }
        while !ranEnough() {
            let chunk = handle.availableData
            if chunk.isEmpty { break }
            data += chunk
        }
        let environ = (try? Data(contentsOf: URL(fileURLWithPath: "/proc/\(p.processIdentifier)/environ"))) ?? Data()
        p.interrupt()
        _ = handle.readDataToEndOfFile()
        p.waitUntilExit()
        return environ.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
    }

    @Test(arguments: [nil, "glibc.rtld.optional_static_tls=2048"])
    func tunedWithTheEnvironmentGivenBack(theirs: String?) throws {
        let out = NSTemporaryDirectory() + "tw-e2e-env-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).txt"
        let file = NSTemporaryDirectory() + "tw-e2e-env-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).yaml"
        try """
            jobs:
              - name: env
                every: 1h
                command: [sh, -c, 'printf "[%s][%s]" "$GLIBC_TUNABLES" "${TICKWORK_MALLOC_TUNED-unset}" > \(out)']
            """.write(toFile: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: file); try? FileManager.default.removeItem(atPath: out) }
        let started = try startedEnvironment(["--file", file], tunables: theirs, runs: 1)
        // The image that runs is the one started again: it carries the marker
        // with the person's own setting. (glibc parses GLIBC_TUNABLES in place,
        // so /proc shows that variable only up to its first ':'.)
        #expect(started.contains("TICKWORK_MALLOC_TUNED=\(theirs ?? "")"), "\(started.filter { $0.hasPrefix("GLIBC") || $0.hasPrefix("TICKWORK") })")
        let first = theirs ?? "glibc.malloc.tcache_count=0"
        #expect(started.contains("GLIBC_TUNABLES=\(first)"), "\(started.filter { $0.hasPrefix("GLIBC") })")
        // A command gets its job's own environment (CommandEnvironment): neither
        // the tunables nor the marker reach it.
        let seen = (try? String(contentsOfFile: out, encoding: .utf8)) ?? "(no output)"
        #expect(seen == "[][unset]", "a command's environment: \(seen)")
    }

    @Test func aPersonsMallocSettingIsKeptAsItIs() throws {
        let started = try startedEnvironment([], tunables: "glibc.malloc.arena_max=4")
        #expect(started.contains("GLIBC_TUNABLES=glibc.malloc.arena_max=4"), "\(started.filter { $0.hasPrefix("GLIBC") })")
        #expect(!started.contains { $0.hasPrefix("TICKWORK_MALLOC_TUNED") })
    }
}
