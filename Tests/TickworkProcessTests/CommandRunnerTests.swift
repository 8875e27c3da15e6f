import Foundation
import Glibc
import Testing
@testable import TickworkProcess

/// Real processes, real signals: what a run captures and what it leaves
/// behind (nothing), read back from /proc.
@Suite("Running commands")
struct CommandRunnerTests {
    static let path = ProcessInfo.processInfo.environment["PATH"] ?? CommandEnvironment.fallbackPath

    func spec(_ argv: [String], timeout: Double? = nil, killAfter: Double = 5, limit: Int = CommandSpec.defaultOutputLimit,
              env: [String: String] = [:]) -> CommandSpec {
        CommandSpec(argv: argv, environment: ["PATH": Self.path].merging(env) { _, new in new },
                    timeoutNs: timeout.map { Int64($0 * 1e9) }, killAfterNs: Int64(killAfter * 1e9), outputLimit: limit)
    }

    @Test("a command's output and exit status come back")
    func outputAndStatus() throws {
        let ok = try CommandRunner.run(spec(["echo", "hello", "world"]))
        #expect(ok.succeeded && ok.termination == .exited(0))
        #expect(ok.stdout.text == "hello world\n" && !ok.stdout.truncated && ok.stderr.totalBytes == 0)
        let bad = try CommandRunner.run(spec(["/bin/sh", "-c", "echo partial; echo boom >&2; exit 3"]))
        #expect(bad.termination == .exited(3) && !bad.succeeded)
        #expect(bad.failureMessage == "exit 3: boom")
        #expect(ProcessTable.group(bad.pid).isEmpty)
    }

    @Test("a program not on PATH, a missing directory and an empty command are clear errors")
    func startErrors() {
        #expect(throws: CommandError.notFound(name: "no-such-program-tw", path: "/usr/bin:/bin")) {
            try CommandRunner.run(CommandSpec(argv: ["no-such-program-tw"], environment: ["PATH": "/usr/bin:/bin"]))
        }
        #expect(throws: CommandError.noDirectory("/no/such/dir")) {
            try CommandRunner.run(CommandSpec(argv: ["true"], environment: ["PATH": Self.path], workingDirectory: "/no/such/dir"))
        }
        #expect(throws: CommandError.emptyCommand) { try CommandRunner.run(CommandSpec(argv: [])) }
        let plain = FileManager.default.temporaryDirectory.appendingPathComponent("tw-not-executable-\(getpid())").path
        _ = FileManager.default.createFile(atPath: plain, contents: Data("echo hi\n".utf8), attributes: [.posixPermissions: 0o644])
        defer { try? FileManager.default.removeItem(atPath: plain) }
        #expect(throws: CommandError.notExecutable(path: plain)) { try CommandRunner.run(CommandSpec(argv: [plain])) }
    }

    @Test("a run past its timeout gets SIGTERM, and its message says so")
    func timeout() throws {
        let start = Date()
        let r = try CommandRunner.run(spec(["sleep", "300"], timeout: 0.3))
        let took = Date().timeIntervalSince(start)
        #expect(r.termination == .signaled(SIGTERM) && r.stopped == .timeout(300_000_000) && !r.killed)
        #expect(r.failureMessage == "killed by SIGTERM after timeout 300ms")
        #expect(took >= 0.3 && took < 0.3 + 0.25)
        #expect(ProcessTable.group(r.pid).isEmpty)
    }

    @Test("a job that ignores SIGTERM is killed at the end of its grace")
    func ignoresTerm() throws {
        let start = Date()
        let r = try CommandRunner.run(spec(["/bin/sh", "-c", "trap '' TERM; sleep 300"], timeout: 0.2, killAfter: 0.5))
        let took = Date().timeIntervalSince(start)
        #expect(r.killed && r.termination == .signaled(SIGKILL))
        #expect(r.failureMessage == "killed by SIGKILL after timeout 200ms")
        #expect(took >= 0.7 && took < 0.7 + 0.25)
        #expect(ProcessTable.group(r.pid).isEmpty)
    }

    @Test("background children of a timed-out shell die with it, and none is left a zombie")
    func wholeGroup() throws {
        let r = try CommandRunner.run(spec(["/bin/sh", "-c", "sleep 300 & sleep 300 & wait"], timeout: 1))
        #expect(r.stopped == .timeout(1_000_000_000))
        #expect(ProcessTable.group(r.pid).isEmpty)
    }

    @Test("an orphaned grandchild comes back to Tickwork and is reaped")
    func orphan() throws {
        #expect(CommandRunner.isSubreaper)
        // The subshell forks sleep and exits: sleep's parent is gone.
        let r = try CommandRunner.run(spec(["/bin/sh", "-c", "(sleep 300 &); sleep 300"], timeout: 0.5))
        #expect(r.stopped != nil)
        #expect(ProcessTable.group(r.pid).isEmpty)
        #expect(!ProcessTable.all().contains { $0.ppid == getpid() && $0.state == "Z" && $0.pgrp == r.pid })
    }

    @Test("a leader that exits leaving a background child: the child is stopped and reaped")
    func leftovers() throws {
        let r = try CommandRunner.run(spec(["/bin/sh", "-c", "sleep 300 & echo started"], killAfter: 1))
        #expect(r.termination == .exited(0) && r.succeeded && r.leftovers)
        #expect(r.stdout.text == "started\n")
        #expect(ProcessTable.group(r.pid).isEmpty)
    }

    @Test("cancelling a run ends its whole group within the grace plus 250 ms")
    func cancel() throws {
        let stopAt = Date().addingTimeInterval(0.2)
        var endedAt = Date()
        let r = try CommandRunner.run(spec(["/bin/sh", "-c", "sleep 300 & sleep 300"], killAfter: 1),
                                      shouldStop: { Date() >= stopAt })
        endedAt = Date()
        #expect(r.stopped == .cancelled)
        #expect(endedAt.timeIntervalSince(stopAt) < 1 + 0.25)
        #expect(ProcessTable.group(r.pid).isEmpty)
    }

    @Test("arguments reach the program literally: no shell reads them")
    func literalArguments() throws {
        let args = ["; touch /tmp/pwned-tw", "$(touch /tmp/pwned-tw)", "`touch /tmp/pwned-tw`", "two\nlines", "*", "'quoted'"]
        let r = try CommandRunner.run(spec(["printf", "%s\\0"] + args))
        let got = r.stdout.text.split(separator: "\0", omittingEmptySubsequences: false).dropLast().map(String.init)
        #expect(got == args)
        #expect(!FileManager.default.fileExists(atPath: "/tmp/pwned-tw"))
    }

    @Test("the child sees only descriptors 0, 1 and 2")
    func onlyThreeDescriptors() throws {
        // A descriptor of ours without close-on-exec: the child must still not get it.
        let leaked = open("/etc/hostname", O_RDONLY)
        defer { close(leaked) }
        #expect(leaked > 2)
        // `ls` opens /proc/self/fd itself: that one is its own (3).
        let r = try CommandRunner.run(spec(["ls", "-1", "/proc/self/fd"]))
        #expect(r.stdout.text.split(separator: "\n") == ["0", "1", "2", "3"])
        // The shell's own table, read by a child of it.
        let sh = try CommandRunner.run(spec(["/bin/sh", "-c", "ls -1 /proc/$$/fd"]))
        #expect(sh.stdout.text.split(separator: "\n").sorted() == ["0", "1", "2"])
    }

    @Test("the environment holds the allow-list, the job's env and the run's variables only")
    func environment() throws {
        let env = CommandEnvironment.build(
            inherited: ["PATH": Self.path, "HOME": "/root", "SECRET_TOKEN": "x", "LANG": "C.UTF-8", "SSH_AUTH_SOCK": "/s"],
            job: ["LC_ALL": "C", "TICKWORK_JOB": "spoofed"], run: ["TICKWORK_JOB": "disk", "TICKWORK_RUN": "7"])
        let r = try CommandRunner.run(CommandSpec(argv: ["env"], environment: env))
        let lines = Set(r.stdout.text.split(separator: "\n").map(String.init))
        #expect(lines == ["PATH=\(Self.path)", "HOME=/root", "LANG=C.UTF-8", "LC_ALL=C", "TICKWORK_JOB=disk", "TICKWORK_RUN=7"])
    }

    @Test("a command printing 100 MB keeps 64 KiB per stream and says it dropped the rest")
    func flood() throws {
        let r = try CommandRunner.run(spec(["head", "-c", "100000000", "/dev/zero"]))
        #expect(r.succeeded && r.stdout.totalBytes == 100_000_000)
        #expect(r.stdout.truncated && r.stdout.head.count + r.stdout.tail.count == 64 * 1024)
        #expect(r.stdout.droppedBytes == 100_000_000 - 64 * 1024)
        #expect(r.stdout.text.contains("bytes not kept"))
    }

    @Test("head and tail are the first and last bytes written")
    func headAndTail() throws {
        let r = try CommandRunner.run(spec(["/bin/sh", "-c", "seq 1 100000"], limit: 16))
        #expect(r.stdout.head == Array("1\n2\n3\n4\n".utf8))
        #expect(r.stdout.tail == Array("\n99999\n100000\n".utf8).suffix(8))
    }
}

/// Stopping a run while its job is paused: SIGSTOP to the group, SIGCONT
/// after, and the time stopped does not count toward the timeout.
@Suite("Stopping a paused run")
struct FreezeTests {
    @Test("the group is stopped while asked, continued after, and its timeout waits meanwhile")
    func freeze() throws {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? CommandEnvironment.fallbackPath
        let spec = CommandSpec(argv: ["/bin/sh", "-c", "sleep 0.3; echo done"], environment: ["PATH": path],
                               timeoutNs: 600_000_000)
        var process = try CommandRunner.start(spec)
        let group = process.pid
        let thawAt = Date().addingTimeInterval(0.8)
        var seenStopped = false, changes: [Bool] = []
        let result = process.wait(shouldFreeze: {
            if !seenStopped { seenStopped = ProcessTable.group(group).contains { $0.state == "T" } }
            return Date() < thawAt
        }, frozen: { changes.append($0) })
        #expect(seenStopped)
        #expect(changes == [true, false])
        #expect(result.succeeded && result.stdout.text == "done\n")   // 0.8 s stopped, yet no timeout at 0.6 s
        #expect(result.durationNs > 800_000_000)
        #expect(ProcessTable.group(group).isEmpty)
    }
}
