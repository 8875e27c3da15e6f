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
