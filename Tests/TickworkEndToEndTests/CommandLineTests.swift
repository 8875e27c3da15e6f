import Foundation
import Testing

/// The command line as other programs call it (the benchmark contract's
/// interface is `tickwork bench --jobs N …`).
@Suite struct CommandLineTests {
    @Test func benchTakesItsOwnOptions() throws {
        let (status, text) = try spawnAndWait([TmuxSession.binary.path, "bench", "--jobs", "2000", "--workers", "3",
                                               "--duration", "0.3", "--grace", "0", "--seed", "9"])
        #expect(status == 0)
        let line = try #require(text.split(separator: "\n").first { $0.hasPrefix("{") })
        let json = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(json["jobs"] as? Int == 2000)
        #expect(json["workers"] as? Int == 3)
        #expect(json["seed"] as? Int == 9)
    }

    @Test func demosAreListed() throws {
        let (status, text) = try spawnAndWait([TmuxSession.binary.path, "demos"])
        #expect(status == 0)
        #expect(text.contains("refresh") && text.contains("scale"))
    }

    @Test func dashboardOptionsWorkWithoutNamingTheSubcommand() throws {
        // No terminal here, so it stops at the check, after parsing.
        let (status, text) = try spawnAndWait([TmuxSession.binary.path, "--demo", "scale", "--jobs", "5",
                                               "--log-file", NSTemporaryDirectory() + "tickwork-cli.log"])
        #expect(status == 2)
        #expect(text.contains("not a terminal"))
        let (bad, message) = try spawnAndWait([TmuxSession.binary.path, "--workers", "0"])
        #expect(bad == 64)
        #expect(message.contains("--workers must be 1…256"))
    }

    /// A short soak of one demo: a line per interval, then the slopes and
    /// the verdict (the memory limit set high: a few seconds' slope is noise).
    @Test func soakPrintsSamplesAndSlopes() throws {
        let (status, text) = try run("soak", "--minutes", "0.1", "--warmup", "0.02", "--interval", "1",
                                     "--demo", "blink", "--max-rss-slope", "1000000")
        let lines = text.split(separator: "\n")
        #expect(status == 0, "\(text)")
        #expect(lines.first?.hasPrefix("soak: blink on 1 workers for 0.1 min") == true)
        let samples = lines.filter { $0.hasPrefix("t=") }
        #expect(samples.count >= 6 && samples.allSatisfy { $0.contains(" rss=") && $0.contains(" (file ") && $0.contains(" threads=") && $0.contains(" fds=") && $0.contains(" zombies=0") && $0.contains(" finished kept=") })
        #expect(lines.last?.hasPrefix("soak: slopes over the last") == true && lines.last?.hasSuffix(": pass") == true, "\(lines.last ?? "")")
        #expect(lines.last?.contains("; anonymous ") == true, "the verdict splits the RSS slope: \(lines.last ?? "")")
    }

    func run(_ args: String...) throws -> (Int32, String) { try run(args) }
    func run(_ args: [String]) throws -> (Int32, String) { try spawnAndWait([TmuxSession.binary.path] + args) }

    @Test func negativeNumbersReachTheRangeCheck() throws {
        for (args, message) in [(["--workers", "-1"], "--workers must be 1…256 (got -1)"),
                                (["headless", "--duration", "-1"], "--duration must be more than 0 and at most 31536000 seconds (got -1)"),
                                (["headless", "--duration", "1e8"], "(got 100000000)"),
                                (["bench", "--jobs", "-5"], "--jobs"),
                                (["headless", "--jobs", "5", "--duration", "1"], "add --demo scale")] {
            let (status, text) = try spawnAndWait([TmuxSession.binary.path] + args)
            #expect(status == 64, "\(args)")
            #expect(text.contains(message) && !text.contains("Missing value"), "\(args): \(text)")
        }
    }

    /// Each of these trapped (exit 132) or ran out of memory before: now one
    /// line naming the option, the value and the range, and exit 64.
    @Test(arguments: [
        (["headless", "--duration", "0.3", "--interval", "1e30"], "--interval must be 0.05…86400 seconds (got 1e+30)"),
        (["headless", "--duration", "0.3", "--interval", "inf"], "--interval must be 0.05…86400 seconds (got inf)"),
        (["headless", "--duration", "0.3", "--interval", "9300000000"], "(got 9300000000)"),
        (["headless", "--duration", "31536000", "--interval", "1e12"], "--interval must be"),
        (["headless", "--duration", "nan"], "--duration must be more than 0 and at most 31536000 seconds (got nan)"),
        (["bench", "--jobs", "10", "--duration", "inf"], "--duration must be more than 0 and at most 31536000 seconds (got inf)"),
        (["bench", "--jobs", "10", "--duration", "0.3", "--grace", "1e30"], "--grace must be 0…3600 seconds (got 1e+30)"),
        (["bench", "--jobs", "10", "--pmin", "1e-10", "--pmax", "1e-10", "--duration", "0.3"],
         "--pmin must be 0.000001…31536000 seconds (got 1e-10)"),
        (["bench", "--jobs", "10", "--pmax", "1e30", "--duration", "0.3"], "--pmax must be 0.000001…31536000 seconds (got 1e+30)"),
        (["bench", "--jobs", "10", "--pmax", "inf", "--duration", "0.3"], "--pmax must be 0.000001…31536000 seconds (got inf)"),
        (["bench", "--jobs", "10", "--pmin", "2", "--pmax", "1"], "--pmax must be at least --pmin"),
        (["bench", "--jobs", "10", "--duration", "0.3", "--work-us", "10000000000000000"], "--work-us must be 0…10000000 (got 10000000000000000)"),
        (["bench", "--jobs", "9223372036854775807", "--duration", "0.3"], "--jobs must be 1…20000000 (got 9223372036854775807)"),
        (["bench", "--jobs", "50000000", "--duration", "5"], "--jobs must be 1…20000000 (got 50000000)"),
        (["bench", "--jobs", "10", "--observe-hz", "nan"], "--observe-hz must be 0…1000 (got nan)"),
        (["bench", "--jobs", "10", "--timer-resolution-us", "inf"], "--timer-resolution-us must be 1…1000000 (got inf)"),
        (["--debug-crash-after", "1e30"], "--debug-crash-after must be 0…3600 seconds (got 1e+30)"),
        (["--refresh-hz", "nan"], "--refresh-hz must be 0.5…30 (got nan)"),
        (["bench", "--jobs", "abc"], "'abc' is invalid for '--jobs <jobs>'"),
        (["soak", "--minutes", "1e30"], "--minutes must be 0…10080 minutes (got 1e+30)"),
        (["soak", "--minutes", "5", "--warmup", "5"], "--warmup must be less than --minutes (got 5.0 and 5.0)"),
        (["soak", "--interval", "0"], "--interval must be 1…3600 seconds (got 0)"),
        (["soak", "--scale-cycles", "-1"], "--scale-cycles must be 0…1000 (got -1)"),
        (["soak", "--max-rss-slope", "inf"], "--max-rss-slope must be 0…1000000 MB/h (got inf)"),
    ])
    func outOfRangeNumbersGetOneLine(args: [String], message: String) throws {
        let (status, text) = try run(args)
        #expect(status == 64, "\(args): \(text)")
        #expect(text.hasPrefix("tickwork: ") && text.contains(message), "\(args): \(text)")
        let lines = text.split(separator: "\n")
        #expect(lines.count == 1 && lines[0].hasSuffix("--help'"), "one line, saying where the help is: \(text)")
        #expect(!text.contains("Backtrace") && !text.contains("Fatal error"))
    }

    @Test func helpVersionAndUnknownCommands() throws {
        let (status, help) = try run("--help")
        #expect(status == 0)
        for word in ["--refresh-hz", "--log-file", "--demo", "headless", "bench", "demos", "dashboard"] {
            #expect(help.contains(word), "tickwork --help names \(word)")
        }
        let (v, version) = try run("--version")
        #expect(v == 0 && version.contains("."))
        let (u, unknown) = try run("frobnicate")
        #expect(u == 64)
        #expect(unknown.contains("unknown command 'frobnicate'") && unknown.contains("headless") && unknown.contains("bench"))
    }

    @Test func theNoTerminalHintRepeatsTheFlagsGiven() throws {
        let log = NSTemporaryDirectory() + "tickwork-cli-hint.log"
        let (status, text) = try run("--demo", "race", "--workers", "3", "--log-file", log, "--no-color")
        #expect(status == 2)
        #expect(text.contains("tickwork headless --demo race --workers 3"), "\(text)")
        #expect(!text.contains("--log-file") && !text.contains("--demo refresh"))
    }

    @Test func aLogFileThatCannotBeOpenedIsNamedAndNothingIsCreated() throws {
        let missing = NSTemporaryDirectory() + "tickwork-no-such-\(getpid())/deeper/x.log"
        let (s1, t1) = try spawnAndWait(["/usr/bin/env", "TERM=xterm", "script", "-qec",
                                         "\(TmuxSession.binary.path) --log-file \(missing)", "/dev/null"])
        #expect(s1 == 2, "\(t1)")
        #expect(t1.contains("cannot open the log file \(missing): the folder") && t1.contains("does not exist"), "\(t1)")
        #expect(!FileManager.default.fileExists(atPath: (missing as NSString).deletingLastPathComponent))
        let (s2, t2) = try spawnAndWait(["/usr/bin/env", "TERM=xterm", "script", "-qec",
                                         "\(TmuxSession.binary.path) --log-file /etc/passwd/x.log", "/dev/null"])
        #expect(s2 == 2, "\(t2)")
        #expect(t2.contains("cannot open the log file /etc/passwd/x.log: Not a directory") && !t2.contains("NSCocoaErrorDomain"), "\(t2)")
    }
}
