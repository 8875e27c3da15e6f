#if canImport(Glibc)
import Glibc
#endif
import CLibPQ

/// One connection to PostgreSQL through libpq (synchronous: it fits the
/// thread that owns it). Queries use the extended protocol with text
/// parameters; rows come back as text. A query (SELECT, INSERT, UPDATE,
/// DELETE, WITH) is prepared the first time the connection runs it and
/// then only executed: planning the claim query cost the server more
/// than running it, round after round.
///
/// Threads: not shared; each connection belongs to the thread using it.
public final class PostgresConnection {
    private let connection: OpaquePointer
    public let url: PostgresURL
    /// Statement name by SQL text, on this connection's server session
    /// (emptied when the connection is made again). At most
    /// `preparedLimit`: past it, queries are planned each time.
    private var prepared: [String: String] = [:]
    static let preparedLimit = 64

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
        configureSession()
    }

    deinit { PQfinish(connection) }

    /// Quiet notices, and plans made once per prepared statement: a custom
    /// plan for each claim probed the due-time index's end each time (the
    /// planner's range estimate), through the dead rows a thousand updates a
    /// second leave there, costing more than running the query.
    private func configureSession() {
        _ = try? execute("SET client_min_messages = warning")
        _ = try? execute("SET plan_cache_mode = force_generic_plan")
    }

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
        prepared.removeAll()
        configureSession()
    }

    /// Runs `sql` with `$1…` bound to `parameters` (nil: NULL); returns the rows.
    @discardableResult
    public func execute(_ sql: String, _ parameters: [String?] = []) throws(PostgresError) -> [[String?]] {
        try ensureConnected()
        let statement = try preparedName(sql, parameters: parameters.count)
        let result = withOptionalCStrings(parameters) { p in
            if let statement { return PQexecPrepared(connection, statement, Int32(parameters.count), p, nil, nil, 0) }
            return PQexecParams(connection, sql, Int32(parameters.count), nil, p, nil, nil, 0)
        }
        defer { PQclear(result) }
        return try rows(of: result)
    }

    /// The prepared statement for `sql` (prepared now if new), or nil for
    /// one not worth preparing.
    private func preparedName(_ sql: String, parameters: Int) throws(PostgresError) -> String? {
        if let name = prepared[sql] { return name }
        let head = sql.drop { $0 == " " || $0 == "\n" }.prefix(6).uppercased()
        guard prepared.count < Self.preparedLimit,
              ["SELECT", "INSERT", "UPDATE", "DELETE"].contains(head) || head.hasPrefix("WITH") else { return nil }
        let name = "tw\(prepared.count)"
        let result = PQprepare(connection, name, sql, Int32(parameters), nil)
        defer { PQclear(result) }
        _ = try rows(of: result)
        prepared[sql] = name
        return name
    }

    /// A result's rows, or the error it holds as one line.
    private func rows(of result: OpaquePointer?) throws(PostgresError) -> [[String?]] {
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
