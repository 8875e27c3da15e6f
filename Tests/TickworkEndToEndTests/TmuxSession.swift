import Foundation
import Testing

/// The real `tickwork` binary in a private tmux server (never the user's):
/// send keys, read the screen, check the terminal modes. Each session has
/// its own socket so tests can run side by side.
final class TmuxSession {
    static let binary: URL = {
        // The test bundle sits next to the products it was built with.
        URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
            .deletingLastPathComponent().appendingPathComponent("tickwork")
    }()

    let socket: String
    let pidFile: String
    private(set) var started = false

    /// Starts `tickwork [SUBCOMMAND] ARGS` at 120×40 (LANG=C.UTF-8 unless `env` says otherwise).
    init(_ args: [String] = [], subcommand: String? = nil, width: Int = 120, height: Int = 40, env: [String: String] = [:]) throws {
        socket = "tickwork-e2e-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        pidFile = NSTemporaryDirectory() + socket + ".pid"
        guard FileManager.default.isExecutableFile(atPath: Self.binary.path) else {
            throw E2EError("no tickwork binary at \(Self.binary.path): build it first (swift build)")
        }
        var environment = ["LANG": "C.UTF-8", "TERM": "tmux-256color"]
        environment.merge(env) { $1 }
        let logFile = NSTemporaryDirectory() + socket + ".log"
        func q(_ s: String) -> String { "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'" }
        let envText = environment.sorted { $0.key < $1.key }.map { q("\($0.key)=\($0.value)") }.joined(separator: " ")
        let argv = ([Self.binary.path] + (subcommand.map { [$0] } ?? []) + ["--log-file", logFile] + args).map(q).joined(separator: " ")
        // The inner script becomes tickwork (exec), so its pid is tickwork's;
        // the outer one outlives it so the exit status and the restored
        // screen can be read (it traps SIGINT, or Ctrl-C would end it too),
        // and then ends, so a server that `deinit` failed to kill (seen in
        // full runs, not understood yet) goes away by itself.
        let inner = NSTemporaryDirectory() + socket + "-run.sh"
        let outer = NSTemporaryDirectory() + socket + "-pane.sh"
        try "echo $$ > \(q(pidFile))\nexec env \(envText) \(argv)\n".write(toFile: inner, atomically: true, encoding: .utf8)
        try "trap true INT\nsh \(q(inner))\necho EXIT=$?\nsleep 15\n".write(toFile: outer, atomically: true, encoding: .utf8)
        try tmux(["new-session", "-d", "-s", "t", "-x", "\(width)", "-y", "\(height)", "sh \(q(outer))"])
        started = true
    }

    deinit {
        guard started else { return }
        _ = try? tmux(["kill-server"])
        // Never leave a dashboard behind, whatever the test did to it.
        if let pid { kill(pid, SIGKILL) }
    }

    @discardableResult
    func tmux(_ args: [String]) throws -> String {
        let (status, text) = try spawnAndWait(["tmux", "-L", socket, "-f", "/dev/null"] + args)
        guard status == 0 else { throw E2EError("tmux \(args.prefix(8).joined(separator: " ")): \(text)") }
        return text
    }

    func screen() -> String { (try? tmux(["capture-pane", "-p", "-t", "t"])) ?? "" }
    /// Keys by tmux name (`C-c`, `Enter`) or text; "--" so "-" is a key, not a flag.
    func send(_ keys: String...) throws { try tmux(["send-keys", "-t", "t", "--"] + keys) }
    func resize(_ w: Int, _ h: Int) throws { try tmux(["resize-window", "-t", "t", "-x", "\(w)", "-y", "\(h)"]) }
    var alternateScreen: Bool { ((try? tmux(["display", "-p", "-t", "t", "#{alternate_on}"])) ?? "").hasPrefix("1") }

    /// The shell's pid, which `exec`s into env and then tickwork: the program's pid.
    var pid: Int32? {
        (try? String(contentsOfFile: pidFile, encoding: .utf8)).flatMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
    }

    /// Under a sanitizer every process of the test is instrumented and
    /// the suites beside it are too: a dashboard that detaches in a tenth
    /// of a second alone took over 10 s there (twice, in full CI runs).
    static let slowdown: Double = ProcessInfo.processInfo.environment["TICKWORK_TEST_SANITIZER"] == nil ? 1 : 3

    /// Polls the screen until `condition` holds (up to `seconds`, times
    /// `slowdown`); returns the last screen.
    @discardableResult
    func waitFor(_ what: String, seconds: Double = 10, _ condition: (String) -> Bool) throws -> String {
        let deadline = Date().addingTimeInterval(seconds * Self.slowdown)
        var last = ""
        while Date() < deadline {
            last = screen()
            if condition(last) { return last }
            Thread.sleep(forTimeInterval: 0.05)
        }
        throw E2EError("timed out waiting for \(what); the screen was:\n\(last)")
    }

    @discardableResult
    func waitFor(text: String, seconds: Double = 10) throws -> String {
        try waitFor("\"\(text)\"", seconds: seconds) { $0.contains(text) }
    }

    /// The screen row holding `text`, if any.
    func line(containing text: String) -> String? {
        screen().split(separator: "\n").first { $0.contains(text) }.map(String.init)
    }
}

struct E2EError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}

/// Runs a program (found on PATH) to completion; returns its exit status
/// and what it printed. posix_spawn and waitpid rather than Foundation's
/// Process, which here left the forking tmux client unreaped and never
/// returned; output goes through a file, since the tmux server it forks
/// would hold a pipe open.
func spawnAndWait(_ argv: [String]) throws -> (Int32, String) {
    let outPath = NSTemporaryDirectory() + "tickwork-e2e-\(getpid())-\(UInt64.random(in: 0...UInt64.max)).out"
    defer { unlink(outPath) }
    let pid = try spawn(argv, output: outPath)
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    let text = (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? ""
    let exited = (status & 0x7f) == 0
    return (exited ? (status >> 8) & 0xff : 128 + (status & 0x7f), text)
}

/// Starts a program (found on PATH) with stdin from /dev/null and stdout
/// and stderr into `output`; `environment` (nil: this process's) as given.
func spawn(_ argv: [String], output: String, environment: [String: String]? = nil) throws -> pid_t {
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    posix_spawn_file_actions_adddup2(&actions, 1, 2)
    let cArgs = argv.map { strdup($0) } + [nil]
    defer { for a in cArgs { free(a) } }
    let cEnv = environment.map { $0.map { strdup("\($0.key)=\($0.value)") } + [nil] }
    defer { for e in cEnv ?? [] { free(e) } }
    var pid: pid_t = 0
    let rc = cEnv.map { env in env.withUnsafeBufferPointer { posix_spawnp(&pid, argv[0], &actions, nil, cArgs, UnsafeMutablePointer(mutating: $0.baseAddress)) } }
        ?? posix_spawnp(&pid, argv[0], &actions, nil, cArgs, environ)
    guard rc == 0 else { throw E2EError("cannot run \(argv[0]): \(String(cString: strerror(rc)))") }
    return pid
}

/// tmux is needed; scripts/setup.sh installs it.
let tmuxAvailable: Bool = ((try? spawnAndWait(["tmux", "-V"]))?.0 ?? 1) == 0
