import Foundation
import Testing

/// `tickwork serve` as a real process on a real socket, with real clients:
/// dashboards attached under tmux, `status`, the control commands, a client
/// of another uid, a client killed mid-frame, the server killed under a
/// dashboard.
final class ServeProcess {
    let folder: String
    let pid: pid_t
    let outPath: String
    /// For clients: the same private runtime folder as the server.
    var env: [String: String] { ["XDG_RUNTIME_DIR": folder] }

    init(_ args: [String]) throws {
        var template = Array("/tmp/tickwork-e2e-serve-XXXXXX".utf8CString)
        folder = String(cString: mkdtemp(&template)!)
        outPath = folder + "/serve.out"
        pid = try spawn([TmuxSession.binary.path, "serve"] + args, output: outPath,
                        environment: ProcessInfo.processInfo.environment.merging(["XDG_RUNTIME_DIR": folder]) { $1 })
    }

    /// The default socket of this server.
    var defaultSocket: String { folder + "/tickwork/\(pid).sock" }

    /// What it printed so far.
    var output: String { (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "" }

    /// Waits for the "listening" line (the socket is ready then).
    func waitUntilListening(seconds: Double = 20) throws {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if output.contains("listening on") { return }
            Thread.sleep(forTimeInterval: 0.05)
        }
        throw E2EError("serve did not start listening; it printed:\n\(output)")
    }

    /// Runs `tickwork ARGS` as a client with this server's folder.
    func client(_ args: [String], as user: String? = nil) throws -> (Int32, String) {
        let env = ["env", "XDG_RUNTIME_DIR=\(folder)"]
        let prefix = user.map { ["setpriv", "--reuid=\($0)", "--regid=\($0)", "--clear-groups"] } ?? []   // a numeric uid
        return try spawnAndWait(prefix + env + [TmuxSession.binary.path] + args)
    }

    /// SIGTERM, then the exit status.
    func stop() -> Int32 {
        kill(pid, SIGTERM)
        return wait()
    }

    func wait() -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        return (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    }

    deinit {
        if kill(pid, 0) == 0 { kill(pid, SIGKILL); _ = wait() }
        _ = try? FileManager.default.removeItem(atPath: folder)
    }
}

@Suite(.enabled(if: tmuxAvailable, "needs tmux"), .serialized)
struct ServeEndToEndTests {
    @Test func twoDashboardsAttachedSeeEachOthersPause() throws {
        let server = try ServeProcess(["--demo", "blink"])
        try server.waitUntilListening()
        let a = try TmuxSession([String(server.pid)], subcommand: "attach", env: server.env)
        let b = try TmuxSession([String(server.pid)], subcommand: "attach", env: server.env)
        for s in [a, b] { try s.waitFor(text: "blink.animator") }
        #expect(a.screen().contains("@ demo blink (pid \(server.pid))"))
        try a.send("p")
        try a.waitFor(text: "paused blink.animator")
        try b.waitFor("the pause in the other dashboard") { $0.split(separator: "\n").contains { $0.contains("blink.animator") && $0.contains("paused") } }
        // q detaches one; the server and the other go on.
        try a.send("q")
        let left = try a.waitFor(text: "EXIT=0")
        #expect(left.contains("detached; demo blink (pid \(server.pid)) goes on"))
        try b.send("p")
        try b.waitFor(text: "resumed blink.animator")
        let (status, text) = try server.client(["status", "--json"])
        #expect(status == 0 && text.contains("\"blink.animator\"") && text.contains("\"scheduled\""))
        // Q asks; y stops the server, which prints its report.
        try b.send("Q")
        try b.waitFor(text: "Stop the server demo blink")
        try b.send("y")
        try b.waitFor(text: "EXIT=0", seconds: 20)
        #expect(server.wait() == 0)
        #expect(server.output.contains("stopped by a client"))
    }

    @Test func statusAndControlFromScripts() throws {
        let server = try ServeProcess(["--demo", "timers"])
        try server.waitUntilListening()
        let (st, json) = try server.client(["status", "--json"])
        #expect(st == 0, "\(json)")
        let parsed = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
        let jobs = parsed?["jobs"] as? [[String: Any]] ?? []
        #expect((parsed?["server"] as? [String: Any])?["pid"] as? Int == Int(server.pid))
        #expect(jobs.contains { $0["name"] as? String == "timers.spawner" && $0["state"] as? String == "scheduled" })
        #expect(try server.client(["pause", "timers.spawner"]).0 == 0)
        #expect(try server.client(["pause", "timers.spawner"]).0 == 1, "already paused: nothing changed")
        #expect(try server.client(["pause", "no-such-task"]).0 == 4)
        #expect(try server.client(["resume", String(server.pid), "timers.spawner"]).0 == 0)
        let (plain, table) = try server.client(["status"])
        #expect(plain == 0 && table.contains("NAME") && table.contains("timers.spawner"))
        #expect(try server.client(["status", "/no/such.sock"]).0 == 2)
        #expect(server.stop() == 0)
        #expect(server.output.contains("stopping on SIGTERM"))
        // With the server gone, the client says so.
        let (gone, why) = try server.client(["status"])
        #expect(gone == 2 && why.contains("no server is running"))
    }

    @Test(.enabled(if: getuid() == 0, "running a client as another uid (setpriv) needs root"))
    func anotherUserIsRefused() throws {
        // A world-reachable socket, so the check that refuses is the uid one.
        let server = try ServeProcess(["--demo", "blink", "--socket", "/tmp/tickwork-e2e-open-\(getpid()).sock"])
        try server.waitUntilListening()
        let path = "/tmp/tickwork-e2e-open-\(getpid()).sock"
        defer { unlink(path) }
        // Through the private folder nobody even reaches the default socket.
        chmod(path, 0o666)
        let (status, text) = try server.client(["status", path], as: "65534")
        #expect(status == 2, "\(text)")
        #expect(text.contains("uid 65534 may not connect: this server belongs to uid \(getuid())"), "\(text)")
        #expect(try server.client(["status", path]).0 == 0, "the owner still can")
        _ = server.stop()
    }

    @Test func aClientKilledMidFrameCostsNothing() throws {
        let server = try ServeProcess(["--demo", "blink"])
        try server.waitUntilListening()
        let script = """
            import socket, os, json, struct
            s = socket.socket(socket.AF_UNIX); s.connect(\(String(reflecting: server.defaultSocket)))
            hello = json.dumps({"hello": {"protocolVersion": 1, "client": "killed"}}).encode()
            s.sendall(struct.pack(">I", len(hello)) + hello); s.recv(65536)
            s.sendall(struct.pack(">I", 4096) + b'{"sample":')
            os.kill(os.getpid(), 9)
            """
        let (killed, _) = try spawnAndWait(["python3", "-c", script])
        #expect(killed == 128 + 9)
        let (status, text) = try server.client(["status"])
        #expect(status == 0 && text.contains("blink.animator"), "the server carries on: \(text)")
        #expect(server.stop() == 0)
    }

    @Test func theServerKilledUnderADashboard() throws {
        let server = try ServeProcess(["--demo", "blink"])
        try server.waitUntilListening()
        let s = try TmuxSession([], subcommand: "attach", env: server.env)
        try s.waitFor(text: "blink.animator")
        kill(server.pid, SIGKILL)
        _ = server.wait()
        try s.waitFor(text: "lost the server at")
        try s.send("r")
        try s.waitFor(text: "no server at")
        try s.send("q")
        try s.waitFor(text: "EXIT=0")
    }

    @Test func aFrozenServerIsNamedAndReconnectedToAfterItContinues() throws {
        let server = try ServeProcess(["--demo", "blink"])
        try server.waitUntilListening()
        let s = try TmuxSession([], subcommand: "attach", env: server.env)
        try s.waitFor(text: "blink.animator")
        kill(server.pid, SIGSTOP)
        // The dashboard's link gives up after 10 s without an answer; the screen never hangs.
        try s.waitFor(text: "stopped answering", seconds: 20)
        kill(server.pid, SIGCONT)
        try s.send("r")
        try s.waitFor(text: "reconnected")
        try s.waitFor("frames again") { !$0.contains("server gone") && $0.contains("blink.animator") }
        try s.send("q")
        try s.waitFor(text: "EXIT=0")
        #expect(server.stop() == 0)
    }

    @Test func ctrlZSuspendsOnlyTheDashboard() throws {
        let server = try ServeProcess(["--demo", "blink"])
        try server.waitUntilListening()
        let s = try TmuxSession([], subcommand: "attach", env: server.env)
        try s.waitFor(text: "blink.animator")
        try s.send("C-z")
        try s.waitFor("the terminal given back") { _ in !s.alternateScreen }
        // The server's job runs on while the dashboard is stopped.
        func runs() throws -> Int {
            let (_, json) = try server.client(["status", "--json"])
            let jobs = (try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])?["jobs"] as? [[String: Any]]
            return jobs?.first?["runs"] as? Int ?? -1
        }
        let before = try runs()
        let deadline = Date().addingTimeInterval(10)
        while try runs() <= before + 4 && Date() < deadline { Thread.sleep(forTimeInterval: 0.1) }
        #expect(try runs() > before + 4, "the animator ran on (every 125 ms)")
        let pid = try #require(s.pid)
        #expect(kill(pid, SIGCONT) == 0)
        try s.waitFor(text: "the server's jobs ran on meanwhile")
        try s.send("q")
        try s.waitFor(text: "EXIT=0")
        #expect(server.stop() == 0)
    }
}
