#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Testing
import Tickwork
import TickworkLink
import TickworkWire

/// A real engine served on a real socket in a private folder.
final class ServedEngine {
    let clock = ManualClock()
    let engine: Engine
    let server: EngineServer
    let folder: String
    var path: String { server.path }

    init(readOnly: Bool = false, sendTimeoutSeconds: Int = 2) throws {
        engine = try Engine(EngineConfiguration(workers: 2, timerResolutionShift: 10, clock: clock))
        var template = Array("/tmp/tickwork-wire-XXXXXX".utf8CString)
        folder = String(cString: mkdtemp(&template)!)
        server = EngineServer(link: LocalEngineLink(engine: engine), path: folder + "/engine.sock", name: "test",
                              readOnly: readOnly, sendTimeoutSeconds: sendTimeoutSeconds)
        try server.start()
    }

    func submit(_ names: [String]) throws -> [JobID] {
        try engine.submit(contentsOf: names.map { JobSpec(name: $0, schedule: .every(.seconds(1))) { _ in } })
    }

    /// A raw connection that has said hello.
    func rawClient() throws -> WireConnection {
        let c = WireConnection(fd: try UnixSocket.connect(to: path))
        try c.send(ClientMessage.hello(protocolVersion: Wire.protocolVersion, client: "test"))
        guard case .hello = try c.receive(ServerMessage.self) else { throw RemoteError("no hello") }
        return c
    }

    deinit {
        server.stop()
        _ = engine.shutdown()
        rmdir(folder)
    }
}

@Suite("Serving an engine on a socket")
struct EngineServerTests {
    let request = SampleRequest(query: JobQuery(limit: 10))

    @Test("a remote link samples and commands like the local one; the socket is the owner's alone")
    func remoteLinkWorks() throws {
        let served = try ServedEngine()
        let ids = try served.submit(["alpha", "beta"])
        let link = try RemoteEngineLink(path: served.path)
        #expect(link.server.name == "test" && link.server.pid == getpid() && !link.server.readOnly)
        let sample = try link.sample(request)
        #expect(sample.page.jobs.map(\.name) == ["alpha", "beta"] && sample.snapshot.totalJobs == 2)
        let outcome = try link.perform(.pause(ids[0]))
        #expect(outcome.changed && outcome.message == "paused alpha (\(ids[0]))")
        #expect(served.engine.info(ids[0])?.state == .paused)
        let again = try link.perform(.pause(ids[0]))
        #expect(!again.changed && again.message?.contains("nothing to pause") == true)
        var st = stat()
        #expect(stat(served.path, &st) == 0 && st.st_mode & 0o777 == 0o600, "socket mode \(String(st.st_mode & 0o777, radix: 8))")
        link.close()
    }

    @Test("two clients at once: a pause from one shows in the other")
    func twoClients() throws {
        let served = try ServedEngine()
        let ids = try served.submit(["shared"])
        let a = try RemoteEngineLink(path: served.path), b = try RemoteEngineLink(path: served.path)
        #expect(served.server.clientCount == 2)
        #expect(try a.perform(.pause(ids[0])).changed)
        #expect(try b.sample(request).page.jobs.first?.state == .paused)
        #expect(try b.perform(.resume(ids[0])).changed)
        #expect(try a.sample(request).page.jobs.first?.state == .scheduled)
    }

    @Test("garbage, an oversized frame, a truncated frame and an unknown command each get an error and a disconnect; the others carry on")
    func badClients() throws {
        let served = try ServedEngine()
        _ = try served.submit(["steady"])
        let good = try RemoteEngineLink(path: served.path)
        let cases: [(String, [UInt8], String)] = [
            ("garbage", Frame.encode(Array("this is not json".utf8)), "not a message"),
            ("oversized", [0x7f, 0xff, 0xff, 0xff], "over the"),
            ("unknown command", Frame.encode(Array(#"{"command":{"id":1,"command":{"explode":{}}}}"#.utf8)), "not a message"),
        ]
        for (name, bytes, expected) in cases {
            let bad = try served.rawClient()
            #expect(UnixSocket.writeAll(bad.fd, bytes))
            guard case .error(nil, let message) = try bad.receive(ServerMessage.self) else {
                Issue.record("\(name): no error frame"); continue
            }
            #expect(message.contains(expected) && message.hasSuffix("disconnecting"), "\(name): \(message)")
            #expect(throws: WireError.closed, "\(name): disconnected") { try bad.receive(ServerMessage.self) }
            #expect(try good.sample(request).page.jobs.count == 1, "after \(name) the others carry on")
        }
        // A frame cut off by the client closing: the server drops it quietly.
        let cut = try served.rawClient()
        #expect(UnixSocket.writeAll(cut.fd, Array(Frame.encode(Array(repeating: 65, count: 100)).prefix(50))))
        cut.close()
        // Without hello, or in another version: refused with the reason.
        let early = WireConnection(fd: try UnixSocket.connect(to: served.path))
        try early.send(ClientMessage.sample(id: 1, request: request))
        guard case .error(_, let why) = try early.receive(ServerMessage.self) else { Issue.record("no refusal"); return }
        #expect(why.contains("the first message must be hello"))
        let future = WireConnection(fd: try UnixSocket.connect(to: served.path))
        try future.send(ClientMessage.hello(protocolVersion: 99, client: "future"))
        guard case .error(_, let v) = try future.receive(ServerMessage.self) else { Issue.record("no refusal"); return }
        #expect(v.contains("protocol version 99") && v.contains("speaks \(Wire.protocolVersion)"))
        #expect(try good.sample(request).page.jobs.count == 1)
    }

    @Test("hostile figures in a request are answered, never trusted: negative windows, huge limits, the last event position")
    func hostileRequests() throws {
        let served = try ServedEngine()
        _ = try served.submit(["one", "two", "three"])
        let raw = try served.rawClient()
        let hostile = #"{"sample":{"id":7,"request":{"query":{"sort":"id","descending":false,"offset":-3,"limit":9223372036854775807,"anchorRow":-1},"eventsAfter":18446744073709551615,"eventLimit":-5}}}"#
        #expect(UnixSocket.writeAll(raw.fd, Frame.encode(Array(hostile.utf8))))
        guard case .sample(7, let sample) = try raw.receive(ServerMessage.self) else { Issue.record("no sample"); return }
        #expect(sample.page.jobs.map(\.name) == ["one", "two", "three"] && sample.events.events.isEmpty)
        let pinned = #"{"sample":{"id":8,"request":{"query":{"sort":"name","descending":true,"offset":0,"limit":-1,"anchorRow":0,"pinned":[99,1]},"eventsAfter":0,"eventLimit":3}}}"#
        #expect(UnixSocket.writeAll(raw.fd, Frame.encode(Array(pinned.utf8))))
        guard case .sample(8, _) = try raw.receive(ServerMessage.self) else { Issue.record("no sample"); return }
        for bad in [#"{"command":{"id":9,"command":{"setWorkers":{"_0":-4}}}}"#, #"{"command":{"id":10,"command":{"pause":{"_0":0}}}}"#] {
            #expect(UnixSocket.writeAll(raw.fd, Frame.encode(Array(bad.utf8))))
            guard case .outcome(_, let outcome) = try raw.receive(ServerMessage.self) else { Issue.record("no outcome for \(bad)"); return }
            #expect(!outcome.changed, "\(bad)")
        }
    }

    @Test("read-only: samples are served, every command and shutdown refused with the reason")
    func readOnly() throws {
        let served = try ServedEngine(readOnly: true)
        let ids = try served.submit(["watched"])
        let link = try RemoteEngineLink(path: served.path)
        #expect(link.server.readOnly)
        let outcome = try link.perform(.pause(ids[0]))
        #expect(!outcome.changed && outcome.message?.contains("read-only") == true)
        #expect(served.engine.info(ids[0])?.state == .scheduled)
        #expect(throws: (any Error).self) { try link.shutdown(deadline: .seconds(1)) }
        #expect(try link.sample(request).page.jobs.count == 1, "a refusal does not break the link")
    }

    @Test("a client that stops reading is dropped once a send stalls; the server answers others meanwhile")
    func slowClient() throws {
        let served = try ServedEngine(sendTimeoutSeconds: 1)
        _ = try served.submit((0..<200).map { "job-\($0)-with-a-long-name-to-fill-the-frames" })
        let good = try RemoteEngineLink(path: served.path)
        let slow = try served.rawClient()
        // Ask for big samples and never read the answers: the socket's
        // buffers fill, the server's send stalls, then it gives up.
        let ask = Frame.encode([UInt8](try JSONEncoder().encode(
            ClientMessage.sample(id: 1, request: SampleRequest(query: JobQuery(limit: 200))))))
        var sent = 0
        while sent < 2000, UnixSocket.writeAll(slow.fd, ask) { sent += 1 }
        #expect(try good.sample(request).page.jobs.count == 10, "answered while the slow client stalls")
        #expect(served.server.waitForClients(atMost: 1, within: .seconds(20)), "the slow client was dropped")
        #expect(try good.sample(request).page.jobs.count == 10)
    }

    @Test("a server that stops answering is named, never waited on for ever")
    func silentServer() throws {
        var template = Array("/tmp/tickwork-silent-XXXXXX".utf8CString)
        let folder = String(cString: mkdtemp(&template)!)
        defer { rmdir(folder) }
        let path = folder + "/silent.sock"
        let listener = try UnixSocket.listen(at: path)
        defer { close(listener); unlink(path) }
        // It takes the connection (the kernel's backlog does) and says nothing.
        let started = monotonicNanoseconds()
        #expect {
            _ = try RemoteEngineLink(path: path, answerTimeoutSeconds: 1)
        } throws: { error in
            "\(error)".contains("stopped answering (nothing for 1 s)")
        }
        #expect(monotonicNanoseconds() - started < 5_000_000_000)
    }

    @Test("a second server at the same path is refused; a socket left by a dead one is replaced; stop removes it")
    func socketFile() throws {
        let served = try ServedEngine()
        let other = EngineServer(link: LocalEngineLink(engine: served.engine), path: served.path, name: "second")
        #expect(throws: SocketError.self) { try other.start() }
        served.server.stop()
        #expect(access(served.path, F_OK) != 0, "stop removes the socket file")
        // A dead server's file: a socket nobody listens on.
        let stale = try UnixSocket.listen(at: served.path)
        close(stale)
        try other.start()
        let link = try RemoteEngineLink(path: served.path)
        #expect(link.server.name == "second")
        other.stop()
        #expect(throws: RemoteError.self) { try RemoteEngineLink(path: served.path) }
        let long = "/tmp/" + String(repeating: "x", count: 120)
        #expect(throws: SocketError.self) { try UnixSocket.connect(to: long) }
    }
}

@Suite("The embedding agent")
struct EngineAgentTests {
    @Test("the README's agent example: one call serves an embedded engine; a remote link watches and steers it")
    func readmeAgentExample() throws {
        var template = Array("/tmp/tickwork-agent-XXXXXX".utf8CString)
        let folder = String(cString: mkdtemp(&template)!)
        defer { rmdir(folder) }
        setenv("XDG_RUNTIME_DIR", folder, 1)
        defer { unsetenv("XDG_RUNTIME_DIR") }
        // --- README example ---
        let engine = try Engine(EngineConfiguration(workers: 4))
        try engine.submit(JobSpec(name: "sync", schedule: .every(.seconds(30))) { ctx in ctx.log("synced") })
        let agent = try EngineAgent(engine: engine, name: "my-server")   // tickwork attach finds it
        // … the server runs …
        agent.stop()
        _ = engine.shutdown()
        // --- end ---
        #expect(agent.socketPath == "\(folder)/tickwork/\(getpid()).sock")
        rmdir(folder + "/tickwork")
    }

    @Test("an agent's engine is attached to, paused and stopped over its socket")
    func agentServes() throws {
        var template = Array("/tmp/tickwork-agent-XXXXXX".utf8CString)
        let folder = String(cString: mkdtemp(&template)!)
        defer { rmdir(folder) }
        let engine = try Engine(EngineConfiguration(workers: 2, clock: ManualClock()))
        let id = try engine.submit(JobSpec(name: "embedded-job", schedule: .every(.seconds(1))) { _ in })
        let stopped = Recorder<Bool>()
        let agent = try EngineAgent(engine: engine, name: "embedder", socketPath: folder + "/a.sock") { _ in stopped.add(true) }
        let link = try RemoteEngineLink(path: agent.socketPath)
        #expect(link.server.name == "embedder")
        #expect(try link.perform(.pause(id)).changed && engine.info(id)?.state == .paused)
        let report = try link.shutdown(deadline: .seconds(2))
        #expect(report.report.isClean && engine.snapshot().isShuttingDown)
        // The server calls back after the reply has gone, then lets the client go.
        #expect(agent.server.waitForClients(atMost: 0, within: .seconds(10)) && stopped.count == 1)
        agent.stop()
        #expect(access(agent.socketPath, F_OK) != 0)
    }
}

/// A thread-safe list.
final class Recorder<T: Sendable>: @unchecked Sendable {
    private let lock = Lock()
    private var items: [T] = []
    func add(_ x: T) { lock.withLock { items.append(x) } }
    var count: Int { lock.withLock { items.count } }
}
