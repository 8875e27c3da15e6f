import CSQLite

/// What SQLite said went wrong: its result code and message.
public struct SQLiteError: Error, CustomStringConvertible, Equatable {
    public let code: Int32
    public let message: String
    public var description: String { message }
    /// Another connection holds a lock (`SQLITE_BUSY`, `SQLITE_LOCKED`).
    public var isBusy: Bool { code & 0xff == SQLITE_BUSY || code & 0xff == SQLITE_LOCKED }
    /// The file is not a database, or a damaged one.
    public var isDamaged: Bool { code & 0xff == SQLITE_NOTADB || code & 0xff == SQLITE_CORRUPT }
}

/// One connection to a database file: the few calls the state store
/// makes, over the system's libsqlite3. Not shared between threads: each
/// connection belongs to the thread that uses it (the store's writer, or
/// the caller while the store opens).
final class SQLiteConnection {
    private(set) var handle: OpaquePointer?

    /// Opens (creating if asked) the file; waits up to `busyTimeoutMs` for
    /// another connection's lock before a statement gives up.
    init(path: String, create: Bool, busyTimeoutMs: Int32) throws(SQLiteError) {
        let flags = SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0) | SQLITE_OPEN_NOMUTEX
        let rc = sqlite3_open_v2(path, &handle, flags, nil)
        guard rc == SQLITE_OK else {
            let message = handle.map { String(cString: sqlite3_errmsg($0)) } ?? String(cString: sqlite3_errstr(rc))
            sqlite3_close(handle)
            handle = nil
            throw SQLiteError(code: rc, message: message)
        }
        sqlite3_extended_result_codes(handle, 1)
        sqlite3_busy_timeout(handle, busyTimeoutMs)
    }

    deinit { sqlite3_close_v2(handle) }

    /// Runs one or more statements that return nothing.
    func execute(_ sql: String) throws(SQLiteError) {
        var error: UnsafeMutablePointer<CChar>?
        let rc = sqlite3_exec(handle, sql, nil, nil, &error)
        if rc != SQLITE_OK {
            let message = error.map { String(cString: $0) } ?? lastMessage
            sqlite3_free(error)
            throw SQLiteError(code: sqlite3_extended_errcode(handle), message: message)
        }
    }

    func prepare(_ sql: String) throws(SQLiteError) -> SQLiteStatement {
        var statement: OpaquePointer?
        let rc = sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &statement, nil)
        guard rc == SQLITE_OK, let statement else { throw failure(rc) }
        return SQLiteStatement(statement, connection: self)
    }

    /// The first column of the first row of `sql`, as an integer.
    func integer(_ sql: String) throws(SQLiteError) -> Int64 {
        let s = try prepare(sql)
        guard try s.step() else { return 0 }
        return s.int64(0)
    }

    /// The first column of the first row of `sql`, as text (the statement
    /// is finished before this returns: no read stays open).
    func text(_ sql: String) throws(SQLiteError) -> String? {
        let s = try prepare(sql)
        guard try s.step() else { return nil }
        return s.text(0)
    }

    /// `body` inside BEGIN IMMEDIATE … COMMIT (rolled back if it throws).
    func transaction(_ body: () throws(SQLiteError) -> Void) throws(SQLiteError) {
        try execute("BEGIN IMMEDIATE")
        do { try body() } catch {
            try? execute("ROLLBACK")
            throw error
        }
        try execute("COMMIT")
    }

    var lastMessage: String { String(cString: sqlite3_errmsg(handle)) }
    var changes: Int { Int(sqlite3_changes(handle)) }
    var lastInsertRowID: Int64 { sqlite3_last_insert_rowid(handle) }

    func failure(_ rc: Int32) -> SQLiteError {
        SQLiteError(code: handle == nil ? rc : sqlite3_extended_errcode(handle), message: lastMessage)
    }
}

/// A prepared statement, reused: bind, step, read columns, reset.
final class SQLiteStatement {
    private let statement: OpaquePointer
    private unowned let connection: SQLiteConnection

    init(_ statement: OpaquePointer, connection: SQLiteConnection) {
        self.statement = statement
        self.connection = connection
    }

    deinit { sqlite3_finalize(statement) }

    /// Binds `values` to ?1, ?2, … (after a reset).
    @discardableResult
    func bind(_ values: [SQLiteValue]) -> SQLiteStatement {
        sqlite3_reset(statement)
        sqlite3_clear_bindings(statement)
        for (i, value) in values.enumerated() {
            let at = Int32(i + 1)
            switch value {
            case .null: sqlite3_bind_null(statement, at)
            case .integer(let v): sqlite3_bind_int64(statement, at, v)
            case .text(let t): sqlite3_bind_text(statement, at, t, -1, ctw_sqlite_transient())
            }
        }
        return self
    }

    /// The next row: true if there is one, false when done.
    func step() throws(SQLiteError) -> Bool {
        let rc = sqlite3_step(statement)
        if rc == SQLITE_ROW { return true }
        if rc == SQLITE_DONE { return false }
        let error = connection.failure(rc)
        sqlite3_reset(statement)
        throw error
    }

    /// Runs a statement that returns no rows.
    func run(_ values: [SQLiteValue]) throws(SQLiteError) {
        bind(values)
        _ = try step()
        sqlite3_reset(statement)
    }

    func int64(_ column: Int32) -> Int64 { sqlite3_column_int64(statement, column) }
    var columnCount: Int32 { sqlite3_column_count(statement) }
    func isNull(_ column: Int32) -> Bool { sqlite3_column_type(statement, column) == SQLITE_NULL }
    func optionalInt64(_ column: Int32) -> Int64? { isNull(column) ? nil : int64(column) }
    func text(_ column: Int32) -> String? {
        guard let p = sqlite3_column_text(statement, column) else { return nil }
        return String(cString: p)
    }
}

/// A value bound to a statement.
enum SQLiteValue {
    case null
    case integer(Int64)
    case text(String)

    static func int(_ v: Int) -> SQLiteValue { .integer(Int64(v)) }
    static func optional(_ v: Int64?) -> SQLiteValue { v.map { .integer($0) } ?? .null }
    static func optional(_ v: String?) -> SQLiteValue { v.map { .text($0) } ?? .null }
    static func bool(_ v: Bool) -> SQLiteValue { .integer(v ? 1 : 0) }
}
