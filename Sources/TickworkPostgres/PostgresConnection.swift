#if canImport(Glibc)
import Glibc
#endif
import CLibPQ

/// One connection to PostgreSQL through libpq (synchronous: it fits the
/// thread that owns it). Queries use the extended protocol with text
/// parameters; rows come back as text.
///
/// Threads: not shared; each connection belongs to the thread using it.
public final class PostgresConnection {
    private let connection: OpaquePointer
    public let url: PostgresURL

    /// Connects, waiting at most `timeoutSeconds`; throws one line (no
    /// password in it): unreachable, refused, wrong password, no database.
    public init(_ url: PostgresURL, timeoutSeconds: Int = 5, applicationName: String = "tickwork") throws(PostgresError) {
        self.url = url
        let keywords = ["connect_timeout", "application_name", "dbname"]
        let values = [String(timeoutSeconds), applicationName, url.text]
        let c = withCStrings(keywords) { k in withCStrings(values) { v in PQconnectdbParams(k, v, 1) } }
        guard let c else { throw PostgresError("cannot reach \(url): out of memory") }
        guard PQstatus(c) == CONNECTION_OK else {
            let message = oneLine(String(cString: PQerrorMessage(c)))
            PQfinish(c)
            throw PostgresError("cannot connect to \(url): \(message)")
        }
        connection = c
        _ = try? execute("SET client_min_messages = warning")
    }

    deinit { PQfinish(connection) }

    /// Times the connection was lost and made again.
    public private(set) var reconnects = 0

    /// A connection that dropped (the server restarted, the network went)
    /// is made again before the next statement; throws if it cannot be.
    private func ensureConnected() throws(PostgresError) {
        guard PQstatus(connection) != CONNECTION_OK else { return }
        PQreset(connection)
        guard PQstatus(connection) == CONNECTION_OK else {
            throw PostgresError("cannot reach \(url): \(oneLine(String(cString: PQerrorMessage(connection))))", connectionLost: true)
        }
        reconnects += 1
        _ = try? execute("SET client_min_messages = warning")
    }

    /// Runs `sql` with `$1…` bound to `parameters` (nil: NULL); returns the rows.
    @discardableResult
    public func execute(_ sql: String, _ parameters: [String?] = []) throws(PostgresError) -> [[String?]] {
        try ensureConnected()
        let result = withOptionalCStrings(parameters) { p in
            PQexecParams(connection, sql, Int32(parameters.count), nil, p, nil, nil, 0)
        }
        defer { PQclear(result) }
        switch PQresultStatus(result) {
        case PGRES_COMMAND_OK, PGRES_EMPTY_QUERY: return []
        case PGRES_TUPLES_OK:
            let rows = PQntuples(result), columns = PQnfields(result)
            return (0..<rows).map { r in
                (0..<columns).map { c in PQgetisnull(result, r, c) != 0 ? nil : String(cString: PQgetvalue(result, r, c)) }
            }
        default:
            let state = PQresultErrorField(result, Int32(UInt8(ascii: "C"))).map { String(cString: $0) }
            let message = result.map { String(cString: PQresultErrorMessage($0)) } ?? String(cString: PQerrorMessage(connection))
            if PQstatus(connection) != CONNECTION_OK {
                throw PostgresError("lost the connection to \(url): \(oneLine(message))", sqlState: state, connectionLost: true)
            }
            throw PostgresError(oneLine(message).replacingFirst("ERROR:  ", with: ""), sqlState: state)
        }
    }

    /// Runs several statements that return nothing (the simple protocol:
    /// no parameters), as a migration does.
    public func executeScript(_ sql: String) throws(PostgresError) {
        try ensureConnected()
        let result = PQexec(connection, sql)
        defer { PQclear(result) }
        let status = PQresultStatus(result)
        guard status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK || status == PGRES_EMPTY_QUERY else {
            let state = PQresultErrorField(result, Int32(UInt8(ascii: "C"))).map { String(cString: $0) }
            throw PostgresError(oneLine(String(cString: PQerrorMessage(connection))).replacingFirst("ERROR:  ", with: ""), sqlState: state)
        }
    }

    /// Waits up to `timeoutMs` for notifications on the channels this
    /// connection LISTENs on; returns their channel names (empty on
    /// timeout). A dropped connection throws (`connectionLost`); the next
    /// `execute` makes it again, and the caller LISTENs again.
    public func notifications(waitingUpTo timeoutMs: Int32) throws(PostgresError) -> [String] {
        var names = drainNotifications()
        guard names.isEmpty else { return names }
        var fds = pollfd(fd: PQsocket(connection), events: Int16(POLLIN), revents: 0)
        guard fds.fd >= 0 else { throw PostgresError("lost the connection to \(url)", connectionLost: true) }
        let ready = poll(&fds, 1, timeoutMs)
        if ready > 0 {
            guard PQconsumeInput(connection) == 1 else {
                throw PostgresError("lost the connection to \(url): \(oneLine(String(cString: PQerrorMessage(connection))))", connectionLost: true)
            }
            names = drainNotifications()
        }
        return names
    }

    private func drainNotifications() -> [String] {
        var names: [String] = []
        while let n = PQnotifies(connection) {
            names.append(String(cString: n.pointee.relname))
            PQfreemem(n)
        }
        return names
    }

    /// `body` inside BEGIN … COMMIT, rolled back if it throws.
    public func transaction<T>(_ body: () throws(PostgresError) -> T) throws(PostgresError) -> T {
        try execute("BEGIN")
        do {
            let value = try body()
            try execute("COMMIT")
            return value
        } catch {
            _ = try? execute("ROLLBACK")
            throw error
        }
    }
}

extension String {
    func replacingFirst(_ prefix: String, with other: String) -> String {
        hasPrefix(prefix) ? other + dropFirst(prefix.count) : self
    }
}

/// Calls `body` with a NULL-terminated-free array of C strings.
func withCStrings<R>(_ strings: [String], _ body: (UnsafePointer<UnsafePointer<CChar>?>) -> R) -> R {
    let copies = strings.map { strdup($0) } + [nil]
    defer { for c in copies { free(c) } }
    return copies.map { UnsafePointer($0) }.withUnsafeBufferPointer { body($0.baseAddress!) }
}

func withOptionalCStrings<R>(_ strings: [String?], _ body: (UnsafePointer<UnsafePointer<CChar>?>?) -> R) -> R {
    let copies = strings.map { $0.map { strdup($0) } ?? nil }
    defer { for c in copies { free(c) } }
    return copies.map { UnsafePointer($0) }.withUnsafeBufferPointer { body($0.baseAddress) }
}
