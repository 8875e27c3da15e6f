import Tickwork

/// An engine in another process, reached over its socket: the remote
/// implementation of `EngineLink`, so the same dashboard (and `tickwork
/// status`, and the control commands) reads and commands it as it would
/// the engine in this process. A call that fails throws; the link is then
/// broken (the sampler says so and the dashboard offers to reconnect).
///
/// Threads: one call at a time (`lock` guards the connection and the ids);
/// `close` from any thread.
public final class RemoteEngineLink: EngineLink, @unchecked Sendable {
    public let path: String
    /// What the server said of itself.
    public let server: ServerHello
    private let connection: WireConnection
    private let lock = Lock()
    private var nextID: UInt64 = 1
    private let answerTimeoutSeconds: Int

    /// How long an answer may take before the server counts as gone (a
    /// frozen or stopped server): a sample at a million jobs takes
    /// milliseconds, a shutdown up to its deadline.
    public static let answerTimeoutSeconds = 10

    /// Connects and says hello. Throws a line naming the path and why.
    public init(path: String, client: String = "tickwork", answerTimeoutSeconds: Int = RemoteEngineLink.answerTimeoutSeconds) throws {
        self.path = path
        let fd: Int32
        do { fd = try UnixSocket.connect(to: path) } catch { throw RemoteError(error.description) }
        UnixSocket.setReceiveTimeout(fd, seconds: max(1, answerTimeoutSeconds))
        self.answerTimeoutSeconds = max(1, answerTimeoutSeconds)
        connection = WireConnection(fd: fd)
        do {
            // A server that refuses this peer (another uid) writes its reason
            // and closes without reading: the hello may then fail to go,
            // but the reason is waiting to be read, so read it either way.
            _ = try? connection.send(ClientMessage.hello(protocolVersion: Wire.protocolVersion, client: client))
            switch try connection.receive(ServerMessage.self) {
            case .hello(let hello): server = hello
            case .error(_, let message): throw RemoteError("\(path): \(message)")
            default: throw RemoteError("\(path): the server did not say hello")
            }
        } catch let error as RemoteError {
            connection.close()
            throw error
        } catch let error as WireError where error == .timedOut {
            connection.close()
            throw RemoteError("the server at \(path) stopped answering (nothing for \(max(1, answerTimeoutSeconds)) s)")
        } catch {
            connection.close()
            throw RemoteError("\(path): \(error)")
        }
    }

    public var demoCatalog: [DemoListing] { server.demoCatalog }
    public var canReload: Bool { server.canReload }

    public func sample(_ request: SampleRequest) throws -> EngineSample {
        try call({ .sample(id: $0, request: request) }) { reply in
            if case .sample(_, let sample) = reply { return sample } else { return nil }
        }
    }

    /// A command the server refuses (it serves read-only) comes back as an
    /// outcome that changed nothing, with the server's reason.
    public func perform(_ command: EngineCommand) throws -> CommandOutcome {
        do {
            return try call({ .command(id: $0, command: command) }) { reply in
                if case .outcome(_, let outcome) = reply { return outcome } else { return nil }
            }
        } catch let refused as RefusedRequest {
            return CommandOutcome(command: command, changed: false, message: refused.message)
        }
    }

    /// The answer may take the whole deadline: the wait for it is stretched to match.
    public func shutdown(deadline: Duration) throws -> EngineStopped {
        let seconds = Int(min(deadline.nanoseconds / 1_000_000_000, 86_400)) + answerTimeoutSeconds
        UnixSocket.setReceiveTimeout(connection.fd, seconds: seconds)
        defer { UnixSocket.setReceiveTimeout(connection.fd, seconds: answerTimeoutSeconds) }
        return try call({ .shutdown(id: $0, deadlineNs: deadline.nanoseconds) }) { reply in
            if case .stopped(_, let stopped) = reply { return stopped } else { return nil }
        }
    }

    /// Ends the connection (the server carries on).
    public func close() { connection.shutdownBothWays(); connection.close() }

    /// Sends one request and reads its answer: `expect` picks the value out
    /// of the right reply. An error reply for this request is a refusal
    /// (`RefusedRequest`); anything else breaks the link.
    private func call<T>(_ make: (UInt64) -> ClientMessage, expect: (ServerMessage) -> T?) throws -> T {
        try lock.withLock {
            let id = nextID
            nextID += 1
            do {
                try connection.send(make(id))
                let reply = try connection.receive(ServerMessage.self)
                if let value = expect(reply) { return value }
                if case .error(let replyID, let message) = reply {
                    if replyID == id { throw RefusedRequest(message: message) }
                    throw RemoteError("the server at \(path) ended the connection: \(message)")
                }
                throw RemoteError("the server at \(path) answered out of turn")
            } catch let error as RefusedRequest {
                throw error
            } catch let error as RemoteError {
                throw error
            } catch let error as WireError where error == .closed || error == .sendFailed {
                throw RemoteError("the server at \(path) went away")
            } catch let error as WireError where error == .timedOut {
                throw RemoteError("the server at \(path) stopped answering (nothing for \(answerTimeoutSeconds) s)")
            } catch {
                throw RemoteError("the link to \(path) broke: \(error)")
            }
        }
    }
}

/// The link to a remote engine failed: a line for the person.
public struct RemoteError: Error, CustomStringConvertible, Equatable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// The server refused one request (read-only, or the engine's own error).
struct RefusedRequest: Error { let message: String }
