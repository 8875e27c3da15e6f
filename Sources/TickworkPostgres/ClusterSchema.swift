/// The cluster's tables in PostgreSQL, created and migrated by Tickwork:
/// version in `tickwork_meta`, each step in one transaction under an
/// advisory lock (nodes starting together migrate once). A database of a
/// newer version is refused: an older Tickwork cannot know what it means.
public enum ClusterSchema {
    public static let current = 3
    static let lockKey = 7_341_285_001   // pg_advisory_xact_lock key: "tickwork schema"

    /// `migrations[v]` takes the database from version v to v + 1.
    static let migrations: [String] = [
        """
        CREATE TABLE tickwork_jobs (
            name text PRIMARY KEY,
            spec jsonb NOT NULL,
            command text NOT NULL,
            schedule text NOT NULL,
            paused boolean NOT NULL DEFAULT false,
            removed boolean NOT NULL DEFAULT false,
            generation bigint NOT NULL DEFAULT 1,
            updated_at timestamptz NOT NULL DEFAULT now()
        )
        """,
        // 2: nodes, each job's next tick, and the runs claimed for ticks.
        // Instants are microseconds of UTC on the database's clock.
        """
        CREATE SEQUENCE tickwork_tokens;
        CREATE TABLE tickwork_nodes (
            name text PRIMARY KEY,
            host text NOT NULL,
            pid integer NOT NULL,
            workers integer NOT NULL,
            token bigint NOT NULL,
            started_at timestamptz NOT NULL DEFAULT now(),
            heartbeat_at timestamptz NOT NULL DEFAULT now(),
            runs bigint NOT NULL DEFAULT 0
        );
        CREATE TABLE tickwork_ticks (
            job text PRIMARY KEY REFERENCES tickwork_jobs (name) ON DELETE CASCADE,
            generation bigint NOT NULL,
            next_due_us bigint
        );
        CREATE INDEX tickwork_ticks_due ON tickwork_ticks (next_due_us);
        CREATE TABLE tickwork_runs (
            job text NOT NULL,
            due_us bigint NOT NULL,
            node text NOT NULL,
            token bigint NOT NULL,
            state text NOT NULL CHECK (state IN ('claimed', 'running', 'ended', 'interrupted', 'released')),
            claimed_at timestamptz NOT NULL DEFAULT now(),
            started_at timestamptz,
            ended_at timestamptz,
            outcome text,
            failed boolean,
            exit_code integer,
            PRIMARY KEY (job, due_us)
        );
        CREATE INDEX tickwork_runs_open ON tickwork_runs (node) WHERE state IN ('claimed', 'running', 'released');
        CREATE INDEX tickwork_runs_open_by_job ON tickwork_runs (job) WHERE state IN ('claimed', 'running', 'released');
        """,
        // 3: each job's latest claimed tick and the node that claimed it,
        // written by the claim's own update: the cluster's recent runs and
        // each job's last run are read from here, not from every run.
        """
        ALTER TABLE tickwork_ticks ADD COLUMN last_due_us bigint, ADD COLUMN last_node text;
        UPDATE tickwork_ticks t SET last_due_us = r.due_us, last_node = r.node
            FROM (SELECT DISTINCT ON (job) job, due_us, node FROM tickwork_runs ORDER BY job, due_us DESC) r WHERE r.job = t.job;
        """,
    ]

    /// Brings the database to `current`, or throws why it cannot.
    public static func migrate(_ db: PostgresConnection) throws(PostgresError) {
        try db.transaction { () throws(PostgresError) in
            try db.execute("SELECT pg_advisory_xact_lock($1)", [String(lockKey)])
            try db.execute("CREATE TABLE IF NOT EXISTS tickwork_meta (key text PRIMARY KEY, value text NOT NULL)")
            let version = try Self.version(db)
            if version > current {
                throw PostgresError("\(db.url) holds Tickwork schema \(version); this tickwork knows up to \(current): upgrade tickwork")
            }
            for v in version..<current {
                try db.executeScript(migrations[v])
                try db.execute("""
                    INSERT INTO tickwork_meta (key, value) VALUES ('schema_version', $1)
                    ON CONFLICT (key) DO UPDATE SET value = excluded.value
                    """, [String(v + 1)])
            }
        }
    }

    /// The channel nodes LISTEN on: a job added, changed or resumed wakes
    /// them at once rather than at their next look.
    public static let jobsChannel = "tickwork_jobs"

    /// Sent inside the changing transaction: delivered when it commits.
    static func notifyJobsChanged(_ db: PostgresConnection) throws(PostgresError) {
        try db.execute("SELECT pg_notify($1, '')", [jobsChannel])
    }

    /// The schema version on the database (0: none yet).
    static func version(_ db: PostgresConnection) throws(PostgresError) -> Int {
        let rows = try db.execute("SELECT value FROM tickwork_meta WHERE key = 'schema_version'")
        guard let text = rows.first?[0] else { return 0 }
        guard let v = Int(text) else { throw PostgresError("\(db.url): tickwork_meta has schema_version \"\(text)\", not a number") }
        return v
    }
}
