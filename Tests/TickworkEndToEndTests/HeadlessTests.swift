import Foundation
import Testing

/// `tickwork headless` with no terminal at all, as CI runs it.
@Suite(.serialized) struct HeadlessTests {
    func launch(_ args: [String]) throws -> (Process, Pipe) {
        let p = Process()
        p.executableURL = TmuxSession.binary
        p.arguments = ["headless"] + args
        p.standardInput = FileHandle.nullDevice
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        return (p, out)
    }

    func objects(_ data: Data) throws -> [[String: Any]] {
        try String(decoding: data, as: UTF8.self).split(separator: "\n").map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any], "not a JSON object: \($0)")
        }
    }

    @Test func jsonLinesThenAFinalSummary() throws {
        let (p, out) = try launch(["--duration", "2.2", "--interval", "0.5", "--json", "--seed", "5"])
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        #expect(p.terminationStatus == 0)
        let lines = try objects(data)
        #expect(lines.count >= 4)   // four intervals, then the final line
        for line in lines {
            for key in ["t", "jobs_by_state", "runs", "errors", "workers", "queues", "lateness_ms"] {
                #expect(line[key] != nil, "missing \(key) in \(line)")
            }
            let states = try #require(line["jobs_by_state"] as? [String: Int])
            #expect(Set(states.keys) == ["scheduled", "queued", "running", "sleeping", "paused", "cancelling",
                                         "cancelled", "retired", "failed"])
            let queues = try #require(line["queues"] as? [[String: Any]])
            #expect(queues.first?["capacity"] as? Int == 100_000)
        }
        let last = try #require(lines.last)
        #expect(last["final"] as? Bool == true)
        // The final line states the pool the run had (not the none left after shutdown).
        let workers = try #require(last["workers"] as? [String: Int])
        #expect(workers["total"] == (lines.first?["workers"] as? [String: Int])?["total"], "\(workers)")
        #expect((workers["total"] ?? 0) > 0 && workers["busy"] == 0)
        let refresh = try #require((last["demos"] as? [String: Any])?["refresh"] as? [String: Any])
        #expect((refresh["created"] as? Int ?? 0) >= 30)   // 30 at start, more as objects retire
        #expect(lines.dropLast().allSatisfy { $0["final"] == nil })
    }

    @Test func everyDemoSideBySideWithItsFiguresInTheFinalLine() throws {
        let (p, out) = try launch(["--duration", "6", "--interval", "1", "--json", "--seed", "3",
                                   "--demo", "race", "--demo", "pipeline", "--demo", "integrate", "--demo", "timers",
                                   "--demo", "faults", "--demo", "poll", "--demo", "blink", "--demo", "primitives"])
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        #expect(p.terminationStatus == 1, "the faults demo's runs fail: exit 1 says so")
        let last = try #require(try objects(data).last)
        let demos = try #require(last["demos"] as? [String: [String: Any]])
        // Messages apart from counters: no error text among the figures.
        let faults = try #require(demos["faults"])
        let messages = try #require(faults["messages"] as? [String: Int])
        #expect(!messages.isEmpty && messages.keys.allSatisfy { faults[$0] == nil })
        // The jobs as they stood before the wind-down, not all cancelled.
        let states = try #require(last["jobs_by_state"] as? [String: Int])
        #expect((states["scheduled"] ?? 0) + (states["running"] ?? 0) + (states["sleeping"] ?? 0) > 0, "\(states)")
        #expect(Set(demos.keys) == ["race", "pipeline", "integrate", "timers", "faults", "poll", "blink", "primitives"])
        func int(_ demo: String, _ key: String) -> Int? { demos[demo]?[key] as? Int }
        // Each demo's claim, as the final line states it.
        #expect(int("race", "locked") == int("race", "expected"), "\(demos["race"]!)")
        #expect((int("race", "unsafe") ?? .max) < (int("race", "expected") ?? 0))
        #expect(int("pipeline", "consumed") == int("pipeline", "produced"), "drained at the end: \(demos["pipeline"]!)")
        #expect(int("pipeline", "capacity") == 10 && (int("pipeline", "max_depth") ?? 99) <= 10)
        #expect((int("timers", "fired") ?? 0) + (int("timers", "cancelled") ?? 0) == int("timers", "created"))
        #expect((int("timers", "created") ?? 0) >= 30)
        for key in ["errors", "timeouts", "stuck_replaced"] { #expect(int("faults", key) != nil, "faults.\(key)") }
        #expect((int("faults", "errors") ?? 0) >= 1)
        let integrate = try #require(demos["integrate"])
        #expect(integrate["threads"] as? Int != nil && integrate["speedup"] != nil)
        #expect(abs((integrate["result"] as? Double ?? 0) - Double.pi) < 1e-6)
        #expect(integrate["exact"] as? Double == Double.pi)
    }

    @Test func sigtermStillPrintsTheSummary() throws {
        let (p, out) = try launch(["--duration", "60", "--interval", "0.2", "--json"])
        // Signal once it is running: after its first report line, not after a guessed delay.
        var data = Data()
        while !data.contains(UInt8(ascii: "\n")) {
            let chunk = out.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            data += chunk
        }
        kill(p.processIdentifier, SIGTERM)
        data += out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        #expect(p.terminationStatus == 0, "a signal ends the run as --duration does; the status says how the runs went")
        let last = try #require(try objects(data).last)
        #expect(last["final"] as? Bool == true)
    }

    /// The heap trimmer thread (`ProcessMemory`) starts before the program
    /// blocks its signals for `sigwait`: it must block them itself, or a
    /// SIGTERM could land on it and kill the process without the summary.
    /// Started with no signal blocked (as a shell starts it; the test
    /// runner's own threads block some, and a child inherits its mask).
    @Test func theHeapTrimmerBlocksEverySignal() throws {
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        posix_spawn_file_actions_adddup2(&actions, fds[1], 1)
        posix_spawn_file_actions_addclose(&actions, fds[0])
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        var none = sigset_t()
        sigemptyset(&none)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK))
        let argv = [TmuxSession.binary.path, "headless", "--interval", "0.2", "--json"]
        var cArgs = argv.map { strdup($0) } + [nil]
        defer { cArgs.forEach { free($0) } }
        var pid: pid_t = 0
        #expect(posix_spawn(&pid, argv[0], &actions, &attributes, &cArgs, environ) == 0)
        posix_spawn_file_actions_destroy(&actions)
        posix_spawnattr_destroy(&attributes)
        close(fds[1])
        let out = FileHandle(fileDescriptor: fds[0], closeOnDealloc: true)
        // Running once its first report line is out.
        var data = Data()
        while !data.contains(UInt8(ascii: "\n")) {
            let chunk = out.availableData
            if chunk.isEmpty { break }
            data += chunk
        }
        let tasks = "/proc/\(pid)/task"
        let trimmer = try FileManager.default.contentsOfDirectory(atPath: tasks).first { tid in
            (try? String(contentsOfFile: "\(tasks)/\(tid)/comm", encoding: .utf8))?.hasPrefix("tw-heap-trim") == true
        }
        let status = try trimmer.map { try String(contentsOfFile: "\(tasks)/\($0)/status", encoding: .utf8) } ?? ""
        let blocked = status.split(separator: "\n").first { $0.hasPrefix("SigBlk:") }
            .flatMap { UInt64($0.dropFirst(7).trimmingCharacters(in: .whitespaces), radix: 16) } ?? 0
        kill(pid, SIGTERM)
        data += out.readDataToEndOfFile()
        var wstatus: Int32 = 0
        waitpid(pid, &wstatus, 0)
        #expect(trimmer != nil, "a thread named tw-heap-trim runs")
        for signal in [SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGWINCH, SIGTSTP] {
            #expect(blocked & (1 << UInt64(signal - 1)) != 0, "signal \(signal) is blocked in the trimmer (SigBlk \(String(blocked, radix: 16)))")
        }
        let final = try objects(data).last?["final"] as? Bool
        #expect(wstatus == 0 && final == true, "SIGTERM ends it with its summary (wait status \(wstatus))")
    }

    @Test func withoutADurationItRunsUntilASignal() throws {
        let (p, out) = try launch(["--interval", "0.2", "--json"])
        // Three report lines prove it is running; then SIGINT ends it with the summary.
        let handle = out.fileHandleForReading
        var seen = Data()
        while seen.split(separator: UInt8(ascii: "\n")).count < 3 { seen += handle.availableData }
        kill(p.processIdentifier, SIGINT)
        seen += handle.readDataToEndOfFile()
        p.waitUntilExit()
        #expect(p.terminationStatus == 0)
        #expect(try objects(seen).last?["final"] as? Bool == true)
    }

    @Test func badInputIsNamed() throws {
        let (status, text) = try spawnAndWait([TmuxSession.binary.path, "headless", "--duration", "1", "--demo", "nope"])
        #expect(status == 64)
        #expect(text.contains("unknown demo 'nope'"))
    }
}
