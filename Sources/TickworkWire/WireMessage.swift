import TickworkModel

/// The messages of the wire protocol, each one frame of JSON (`Frame`).
/// A client opens with `hello` and the server answers with its own; then
/// every request carries an id its answer repeats. The client asks at its
/// own rate (a dashboard: once a frame), so a client that stops reading
/// stops asking, and the server keeps no queue of pushes for it.
public enum Wire {
    /// Bumped when a message changes incompatibly; a server refuses a
    /// client of another version, naming both.
    public static let protocolVersion = 1
}

/// From a client.
public enum ClientMessage: Sendable, Equatable, Codable {
    case hello(protocolVersion: Int, client: String)
    /// One frame's worth: the window, the detail, the events after the last.
    case sample(id: UInt64, request: SampleRequest)
    case command(id: UInt64, command: EngineCommand)
    /// The server's graceful shutdown (refused when it serves read-only).
    case shutdown(id: UInt64, deadlineNs: Int64)
}

/// From the server.
public enum ServerMessage: Sendable, Equatable, Codable {
    case hello(ServerHello)
    case sample(id: UInt64, sample: EngineSample)
    case outcome(id: UInt64, outcome: CommandOutcome)
    case stopped(id: UInt64, stopped: EngineStopped)
    /// A request refused (`id`), or the connection refused or dropped (nil):
    /// a line for the person.
    case error(id: UInt64?, message: String)
}

/// What a server says of itself when a client connects.
public struct ServerHello: Sendable, Equatable, Codable {
    public var protocolVersion: Int
    public var pid: Int32
    /// What it serves ("jobs.yaml", "demo refresh").
    public var name: String
    public var demoCatalog: [DemoListing]
    public var canReload: Bool
    /// Commands are refused (`serve --readonly`).
    public var readOnly: Bool
    public init(protocolVersion: Int = Wire.protocolVersion, pid: Int32, name: String, demoCatalog: [DemoListing],
                canReload: Bool, readOnly: Bool) {
        self.protocolVersion = protocolVersion; self.pid = pid; self.name = name; self.demoCatalog = demoCatalog
        self.canReload = canReload; self.readOnly = readOnly
    }
}
