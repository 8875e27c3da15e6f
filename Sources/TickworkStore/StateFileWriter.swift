import Tickwork

/// Writes batches of posts, each in one transaction, and trims the
/// history of the jobs written every few seconds. A run's end finds its
/// start by key. Its prepared statements are kept for the connection's life.
///
/// Threads: the store's writer thread only, `dbLock` held.
final class StateFileWriter {
    /// Each job's history is trimmed to its bounds this often (and at
    /// close): between trims it may run this long past them.
    static let trimEveryNs: Int64 = 5_000_000_000

    private let db: SQLiteConnection
    private let job, seen, start, end, endByID, whole, alive, trimRuns, trimOutput: SQLiteStatement
    private var untrimmed = Set<String>()
    /// The row of each run written as started and not yet ended.
    private var openRows: [RunKey: Int64] = [:]
    private var lastTrim: Int64 = 0

    init(_ db: SQLiteConnection) throws(SQLiteError) {
        self.db = db
        job = try db.prepare("""
            INSERT INTO jobs(name, command, last_due_ns, last_run) VALUES (?1, ?2, ?3, ?4)
            ON CONFLICT(name) DO UPDATE SET command = excluded.command,
                last_due_ns = max(coalesce(last_due_ns, excluded.last_due_ns), excluded.last_due_ns),
                last_run = max(last_run, excluded.last_run)
            """)
        seen = try db.prepare("INSERT INTO jobs(name, command, last_due_ns) VALUES (?1, ?2, ?3) ON CONFLICT(name) DO NOTHING")
        start = try db.prepare("""
            INSERT INTO runs(job, run, retry, due_ns, start_ns, state, pid) VALUES (?1, ?2, ?3, ?4, ?5, 'running', ?6)
            """)
        end = try db.prepare("""
            UPDATE runs SET state = 'ended', end_ns = ?4, outcome = ?5, failed = ?6, exit_code = ?7, signal = ?8,
                stdout = ?9, stderr = ?10, stdout_bytes = ?11, stderr_bytes = ?12, truncated = ?13, kept_bytes = ?14
            WHERE job = ?1 AND run = ?2 AND retry = ?3 AND state = 'running'
            """)
        endByID = try db.prepare("""
            UPDATE runs SET state = 'ended', end_ns = ?4, outcome = ?5, failed = ?6, exit_code = ?7, signal = ?8,
                stdout = ?9, stderr = ?10, stdout_bytes = ?11, stderr_bytes = ?12, truncated = ?13, kept_bytes = ?14
            WHERE id = ?15
            """)
        whole = try db.prepare("""
            INSERT INTO runs(job, run, retry, due_ns, start_ns, end_ns, state, outcome, failed, exit_code, signal,
                stdout, stderr, stdout_bytes, stderr_bytes, truncated, kept_bytes)
            VALUES (?1, ?2, ?3, ?15, ?16, ?4, 'ended', ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)
            """)
        alive = try db.prepare("INSERT INTO meta(key, value) VALUES ('alive_ns', ?1) ON CONFLICT(key) DO UPDATE SET value = excluded.value")
        trimRuns = try db.prepare("""
            DELETE FROM runs WHERE job = ?1 AND id <= (SELECT id FROM runs WHERE job = ?1 ORDER BY id DESC LIMIT 1 OFFSET ?2)
            """)
        trimOutput = try db.prepare("""
            UPDATE runs SET stdout = NULL, stderr = NULL, kept_bytes = 0 WHERE id IN (
                SELECT id FROM (SELECT id, kept_bytes, sum(kept_bytes) OVER (ORDER BY id DESC) AS total
                                FROM runs WHERE job = ?1) WHERE total > ?2 AND kept_bytes > 0)
            """)
    }

    /// Writes `ops` and the alive mark in one transaction; trims the jobs
    /// written since the last trim when it is time (or `trim`).
    func write(_ ops: [StoreOp], nowNs: Int64, trim: Bool) throws(SQLiteError) {
        let mono = monotonicNanoseconds()
        let trimNow = trim || mono - lastTrim >= Self.trimEveryNs
        // A run that starts and ends within one batch is one row written whole.
        var endsHere = Set<RunKey>()
        for case .ended(let e) in ops { endsHere.insert(RunKey(e)) }
        try db.transaction { () throws(SQLiteError) in
            for op in ops { try write(op, endsHere: endsHere) }
            if trimNow { try trimHistory() }
            try alive.run([.integer(nowNs)])
        }
        if trimNow { lastTrim = mono; untrimmed.removeAll(keepingCapacity: true) }
    }

    private func write(_ op: StoreOp, endsHere: Set<RunKey>) throws(SQLiteError) {
        switch op {
        case .seen(let name, let command, let at):
            try seen.run([.text(name), .text(command), .integer(at)])
        case .started(let r):
            try job.run([.text(r.job), .text(r.command), .integer(r.dueWallNs), .int(r.run)])
            guard !endsHere.contains(RunKey(r)) else { return }
            try start.run([.text(r.job), .int(r.run), .int(r.retry), .integer(r.dueWallNs), .integer(r.startWallNs),
                           .optional(r.pid.map(Int64.init))])
            openRows[RunKey(r)] = db.lastInsertRowID
        case .ended(let e):
            var values = Self.endValues(e)
            if let row = openRows.removeValue(forKey: RunKey(e)) {
                values[14] = .integer(row)
                try endByID.run(Array(values.prefix(15)))
            } else {
                try end.run(Array(values.prefix(14)))   // started before a reopen? (by key)
            }
            if db.changes == 0 {   // its start is in this batch, it never started (could not spawn), or was dropped
                try job.run([.text(e.job), .text(e.command), .integer(e.dueWallNs), .int(e.record.run)])
                try whole.run(values)
            }
            untrimmed.insert(e.job)
        }
    }

    /// Each job written since the last trim keeps its newest `keepRuns`
    /// runs, and output within `keepOutputBytes` (the newest keep theirs).
    private func trimHistory() throws(SQLiteError) {
        for name in untrimmed {
            try trimRuns.run([.text(name), .int(StateFile.keepRuns)])
            try trimOutput.run([.text(name), .int(StateFile.keepOutputBytes)])
        }
    }

    /// ?1…?16 of an end: key, end, outcome, exit, output, then due and start.
    static func endValues(_ e: RunEnd) -> [SQLiteValue] {
        let r = e.record
        let out = r.stdout.map { tail($0, StateFile.keepTailBytes) }
        let err = r.stderr.map { tail($0, StateFile.keepTailBytes) }
        let kept = (out?.utf8.count ?? 0) + (err?.utf8.count ?? 0)
        return [.text(e.job), .int(r.run), .int(r.retry), .integer(r.startWallNs + r.durationNs), .text(r.outcome),
                .bool(r.failed), .optional(e.exitCode.map(Int64.init)), .optional(e.signal.map(Int64.init)),
                .optional(out), .optional(err), .int(r.stdoutBytes), .int(r.stderrBytes), .bool(r.truncated), .int(kept),
                .integer(e.dueWallNs), .integer(r.startWallNs)]
    }

    /// The last `limit` bytes of `text`, cut at a character boundary.
    static func tail(_ text: String, _ limit: Int) -> String {
        let bytes = text.utf8
        guard bytes.count > limit else { return text }
        var start = bytes.index(bytes.endIndex, offsetBy: -limit)
        while start < bytes.endIndex && (bytes[start] & 0xC0) == 0x80 { start = bytes.index(after: start) }
        return String(text[start...])
    }
}

/// A run's identity within a job: its number and retry.
struct RunKey: Hashable {
    let job: String
    let run: Int
    let retry: Int
    init(_ s: RunStart) { job = s.job; run = s.run; retry = s.retry }
    init(_ e: RunEnd) { job = e.job; run = e.record.run; retry = e.record.retry }
}
