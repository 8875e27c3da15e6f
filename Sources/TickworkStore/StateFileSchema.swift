/// The state file's tables, versioned with `PRAGMA user_version` and
/// marked as ours with `PRAGMA application_id`. A file of a newer version
/// is refused (an older Tickwork cannot know what it means); an older one
/// is migrated forward, one step per version, in a transaction.
enum StateFileSchema {
    /// "TICK": a SQLite file with any other id is someone else's.
    static let applicationID: Int64 = 0x5449_434B
    static let current: Int64 = 1

    /// `migrations[v]` takes a file from version v to v + 1 (0: empty).
    static let migrations: [String] = [
        """
        CREATE TABLE jobs(
            name TEXT PRIMARY KEY,
            command TEXT NOT NULL,
            last_due_ns INTEGER,
            last_run INTEGER NOT NULL DEFAULT 0
        );
        CREATE TABLE runs(
            id INTEGER PRIMARY KEY,
            job TEXT NOT NULL,
            run INTEGER NOT NULL,
            retry INTEGER NOT NULL,
            due_ns INTEGER,
            start_ns INTEGER NOT NULL,
            end_ns INTEGER,
            state TEXT NOT NULL CHECK (state IN ('running', 'ended', 'interrupted')),
            outcome TEXT,
            failed INTEGER NOT NULL DEFAULT 0,
            exit_code INTEGER,
            signal INTEGER,
            pid INTEGER,
            stdout TEXT,
            stderr TEXT,
            stdout_bytes INTEGER NOT NULL DEFAULT 0,
            stderr_bytes INTEGER NOT NULL DEFAULT 0,
            truncated INTEGER NOT NULL DEFAULT 0,
            kept_bytes INTEGER NOT NULL DEFAULT 0
        );
        CREATE INDEX runs_by_job ON runs(job, id);
        CREATE TABLE meta(key TEXT PRIMARY KEY, value INTEGER);
        """,
    ]
}
