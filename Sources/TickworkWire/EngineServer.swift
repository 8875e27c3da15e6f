#if canImport(Glibc)
import Glibc
#endif
import Tickwork

/// Serves an engine, through its `EngineLink`, on a Unix socket: any number
/// of clients (dashboards attached, `tickwork status`, scripts), each on a
/// thread of its own, so a slow or stuck client delays only itself.
///
/// Faults: a client of another uid is refused (root too unless
/// `allowRoot`); a client that sends garbage, a frame over the cap, a
/// truncated frame or an unknown message gets an error frame and is
/// disconnected; a client that stops reading is dropped when a send has
/// not gone through in `sendTimeoutSeconds` (the kernel's socket buffer is
/// the bound on what waits for it); one killed mid-frame costs its thread
/// and nothing else. `readOnly` refuses every command and shutdown.
///
/// Threads: `start` and `stop` from the owner; the accept loop and each
/// client on their own threads. The link is called by one client at a time
/// (`linkLock`); `lock` guards `clients`, `listener` and `stopped`.
public final class EngineServer: @unchecked Sendable {
    public let path: String
    private let link: any EngineLink
    private let name: String
    private let readOnly: Bool
    private let allowRoot: Bool
    private let sendTimeoutSeconds: Int
    /// Called once, off the client's thread, after a client's shutdown
    /// request stopped the engine.
    private let onStopped: @Sendable (EngineStopped) -> Void
    private let linkLock = Lock()
    private let lock = Lock()
    private let clientsChanged = Condition()
    private var clients: [ObjectIdentifier: WireConnection] = [:]
    private var loads: [ObjectIdentifier: ClientLoad] = [:]
    private var listener: Int32 = -1
    private var stopped = false

    public init(link: any EngineLink, path: String, name: String, readOnly: Bool = false, allowRoot: Bool = true,
                sendTimeoutSeconds: Int = 2, onStopped: @escaping @Sendable (EngineStopped) -> Void = { _ in }) {
        self.link = link; self.path = path; self.name = name; self.readOnly = readOnly; self.allowRoot = allowRoot
        self.sendTimeoutSeconds = max(1, sendTimeoutSeconds); self.onStopped = onStopped
    }

    /// Clients connected now.
    public var clientCount: Int { lock.withLock { clients.count } }

    /// What serving each connected client has cost so far.
    public var clientLoads: [ClientLoad] { lock.withLock { Array(loads.values) } }

    /// Listens and starts accepting. Throws when the socket cannot be made
    /// (the message names the path and why).
    public func start() throws(SocketError) {
        let fd = try UnixSocket.listen(at: path)
        lock.withLock { listener = fd }
        startThread(name: "tw-serve") { [self] in acceptLoop(fd) }
    }

    /// Stops accepting, disconnects every client and removes the socket
    /// file; waits (at most `within`) for the client threads to end.
    public func stop(within: Duration = .seconds(2)) {
        let (fd, open): (Int32, [WireConnection]) = lock.withLock {
            let was = stopped
            stopped = true
            return (was ? -1 : listener, Array(clients.values))
        }
        if fd >= 0 {
            unlink(path)
            _ = shutdown(fd, Int32(SHUT_RDWR))   // wakes the accept loop, which closes it
        }
        for connection in open { connection.shutdownBothWays() }
        let deadline = monotonicNanoseconds() + within.nanoseconds
        lock.withLock {
            while !clients.isEmpty {
                if !clientsChanged.wait(lock, untilMonotonicNs: deadline) && monotonicNanoseconds() >= deadline { break }
            }
        }
    }

    /// Waits (real time, at most `within`) until at most `count` clients
    /// are connected; true if so.
    public func waitForClients(atMost count: Int, within: Duration) -> Bool {
        let deadline = monotonicNanoseconds() + within.nanoseconds
        return lock.withLock {
            while clients.count > count {
                if !clientsChanged.wait(lock, untilMonotonicNs: deadline) && monotonicNanoseconds() >= deadline { break }
            }
            return clients.count <= count
        }
    }

    private func acceptLoop(_ fd: Int32) {
        while let client = UnixSocket.accept(fd) {
            let connection = WireConnection(fd: client)
            let admitted: Bool = lock.withLock {
                guard !stopped else { return false }
                clients[ObjectIdentifier(connection)] = connection
                return true
            }
            guard admitted else { connection.close(); break }
            startThread(name: "tw-client") { [self] in
                serve(connection)
                lock.withLock {
                    clients[ObjectIdentifier(connection)] = nil
                    loads[ObjectIdentifier(connection)] = nil
                    clientsChanged.broadcast()
                }
                connection.close()
            }
        }
        close(fd)
    }

    /// One client's conversation: the peer check, hello, then requests
    /// answered in order until it leaves or breaks the protocol.
    private func serve(_ connection: WireConnection) {
        if let refusal = refusal(of: UnixSocket.peer(of: connection.fd)) {
            _ = try? connection.send(ServerMessage.error(id: nil, message: refusal))
            return
        }
        UnixSocket.setSendTimeout(connection.fd, seconds: sendTimeoutSeconds)
        do throws(WireError) {
            guard case .hello(let version, _) = try connection.receive(ClientMessage.self) else {
                throw WireError.refused("the first message must be hello")
            }
            guard version == Wire.protocolVersion else {
                throw WireError.refused("protocol version \(version) is not served here (this server speaks \(Wire.protocolVersion))")
            }
            try connection.send(ServerMessage.hello(ServerHello(
                pid: getpid(), name: name, demoCatalog: link.demoCatalog, canReload: link.canReload, readOnly: readOnly)))
            let me = ObjectIdentifier(connection)
            while true {
                let reply = answer(try connection.receive(ClientMessage.self))
                let bytes = try connection.send(reply)
                let cpu = threadCPUNanoseconds()
                lock.withLock {
                    var load = loads[me] ?? ClientLoad()
                    load.replies += 1
                    load.bytesSent += bytes
                    load.largestReplyBytes = max(load.largestReplyBytes, bytes)
                    load.cpuNs = cpu
                    loads[me] = load
                }
                if case .stopped(_, let stopped) = reply {
                    onStopped(stopped)
                    return
                }
            }
        } catch .closed {
            return   // the client left
        } catch .sendFailed {
            return   // it stopped reading, or is gone: nothing more can reach it
        } catch {
            _ = try? connection.send(ServerMessage.error(id: nil, message: "\(error); disconnecting"))
        }
    }

    /// Why this peer may not connect, or nil.
    private func refusal(of peer: (uid: uid_t, pid: pid_t)?) -> String? {
        guard let peer else { return "the peer's credentials could not be read" }
        let mine = getuid()
        if peer.uid == mine || (allowRoot && peer.uid == 0) { return nil }
        return "uid \(peer.uid) may not connect: this server belongs to uid \(mine)"
    }

    private func answer(_ message: ClientMessage) -> ServerMessage {
        switch message {
        case .hello:
            return .error(id: nil, message: "hello was already said")
        case .sample(let id, let request):
            do { return .sample(id: id, sample: try linkLock.withLock { try link.sample(request) }) } catch {
                return .error(id: id, message: "\(error)")
            }
        case .command(let id, let command):
            guard !readOnly else { return .error(id: id, message: Self.readOnlyRefusal) }
            do { return .outcome(id: id, outcome: try linkLock.withLock { try link.perform(command) }) } catch {
                return .error(id: id, message: "\(error)")
            }
        case .shutdown(let id, let deadlineNs):
            guard !readOnly else { return .error(id: id, message: Self.readOnlyRefusal) }
            do {
                let deadline = Duration.nanoseconds(max(0, deadlineNs))
                return .stopped(id: id, stopped: try link.shutdown(deadline: deadline))
            } catch {
                return .error(id: id, message: "\(error)")
            }
        }
    }

    /// CPU time the calling thread has used (a client's thread: all of it
    /// went on that client).
    private func threadCPUNanoseconds() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
        return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
    }

    static let readOnlyRefusal = "this server is read-only (serve --readonly): commands are refused"
}

/// What serving one client has cost: the CPU time of its thread (reading,
/// sampling the engine, encoding, sending) and what was sent.
public struct ClientLoad: Sendable, Equatable {
    public var replies = 0
    public var bytesSent = 0
    public var largestReplyBytes = 0
    public var cpuNs: Int64 = 0
    public init() {}
}
