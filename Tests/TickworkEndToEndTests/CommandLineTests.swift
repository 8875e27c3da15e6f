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

    func run(_ args: String...) throws -> (Int32, String) { try spawnAndWait([TmuxSession.binary.path] + args) }

    @Test func negativeNumbersReachTheRangeCheck() throws {
        for (args, message) in [(["--workers", "-1"], "--workers must be 1…256 (got -1)"),
                                (["headless", "--duration", "-1"], "--duration must be more than 0 and at most 31536000 seconds (got -1.0)"),
                                (["headless", "--duration", "1e8"], "(got 100000000.0)"),
                                (["bench", "--jobs", "-5"], "--jobs"),
                                (["headless", "--jobs", "5", "--duration", "1"], "add --demo scale")] {
            let (status, text) = try spawnAndWait([TmuxSession.binary.path] + args)
            #expect(status == 64, "\(args)")
            #expect(text.contains(message) && !text.contains("Missing value"), "\(args): \(text)")
        }
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
