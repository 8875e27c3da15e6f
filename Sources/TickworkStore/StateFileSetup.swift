/// Opening a state file: is it ours, which version, migrate, and mark the
/// runs a crash cut off. Runs on the opening thread before the writer
/// exists.
enum StateFileSetup {
    /// Checks the file is a Tickwork state file of a version this build
    /// knows, creating or migrating its tables; sets WAL.
    static func check(_ db: SQLiteConnection, path: String) throws {
        // The first read of a file that is not a database fails here.
        let tables = try db.integer("SELECT count(*) FROM sqlite_master")
        let id = try db.integer("PRAGMA application_id")
        let version = try db.integer("PRAGMA user_version")
        if tables > 0 && id != StateFileSchema.applicationID {
            throw StoreError("\(path) is not a Tickwork state file (another program's SQLite database); choose another --state")
        }
        if version > StateFileSchema.current {
            throw StoreError("\(path) was written by a newer Tickwork (state schema \(version); this one knows up to \(StateFileSchema.current)); upgrade, or choose another --state")
        }
        if let verdict = try db.text("PRAGMA quick_check(1)"), verdict != "ok" {
            throw StoreError("\(path) is damaged (\(verdict)); move it away to start afresh")
        }
        _ = try db.text("PRAGMA journal_mode=WAL")
        try db.execute("PRAGMA synchronous=NORMAL")
        guard version < StateFileSchema.current else { return }
        try db.transaction { () throws(SQLiteError) in
            for v in Int(version)..<Int(StateFileSchema.current) { try db.execute(StateFileSchema.migrations[v]) }
            try db.execute("PRAGMA application_id=\(StateFileSchema.applicationID); PRAGMA user_version=\(StateFileSchema.current)")
        }
    }

    /// Runs left `running` belong to a server that died (the lock file says
    /// no other holds the file): they become `interrupted`, lasting until
    /// the file was last marked alive. Returns how many.
    static func markInterrupted(_ db: SQLiteConnection, nowNs: Int64) throws -> Int {
        var count = 0
        try db.transaction { () throws(SQLiteError) in
            try db.execute("""
                UPDATE runs SET state = 'interrupted', failed = 1,
                    end_ns = max(start_ns, coalesce((SELECT value FROM meta WHERE key = 'alive_ns'), start_ns)),
                    outcome = 'interrupted: the server stopped before the run ended' || coalesce(' (pid ' || pid || ')', '')
                WHERE state = 'running'
                """)
            count = db.changes
        }
        return count
    }

    /// A SQLite failure while opening or reading, as one line.
    static func explain(_ error: any Error, path: String) -> StoreError {
        if let e = error as? StoreError { return e }
        guard let e = error as? SQLiteError else { return StoreError("\(path): \(error)") }
        if e.code & 0xff == 26 /* SQLITE_NOTADB */ {
            return StoreError("\(path) is not a Tickwork state file (\(e.message)); move it away or choose another --state")
        }
        if e.isDamaged { return StoreError("\(path) is damaged (\(e.message)); move it away to start afresh") }
        if e.isBusy { return StoreError("\(path) is locked by another program (\(e.message)); close it, or choose another --state") }
        return StoreError("\(path): \(e.message)")
    }
}
