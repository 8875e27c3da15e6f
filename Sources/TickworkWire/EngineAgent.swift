#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Tickwork
import TickworkLink

/// The listener an embedding program starts with one call, so that
/// `tickwork attach`, `tickwork status` and the control commands reach the
/// engine inside it as they reach `tickwork serve`:
///
///     let agent = try EngineAgent(engine: engine, name: "my-server")
///     …
///     agent.stop()
///
/// It serves at `socketPath` (default: the user's private folder,
/// `<pid>.sock`, as `serve` does). A client's stop key shuts the engine
/// down and calls `onStopped`; the program decides what follows.
///
/// Threads: create and `stop` from any thread; the server's own threads
/// answer the clients.
public final class EngineAgent: @unchecked Sendable {
    public let server: EngineServer
    public var socketPath: String { server.path }

    public init(engine: Engine, name: String = CommandLine.arguments.first.map { ($0 as NSString).lastPathComponent } ?? "embedded",
                socketPath: String? = nil, readOnly: Bool = false,
                onStopped: @escaping @Sendable (EngineStopped) -> Void = { _ in }) throws(SocketError) {
        let path: String
        if let socketPath {
            path = socketPath
        } else {
            let folder = ServerDirectory.path(environment: ProcessInfo.processInfo.environment)
            try ServerDirectory.prepare(folder)
            path = ServerDirectory.socketPath(pid: getpid(), in: folder)
        }
        server = EngineServer(link: LocalEngineLink(engine: engine), path: path, name: name, readOnly: readOnly, onStopped: onStopped)
        try server.start()
    }

    /// Stops listening and disconnects every client (the engine goes on).
    public func stop() { server.stop() }
}
