import TickworkModel

/// Reads what a state file kept of some jobs. `dbLock` held by the caller.
enum StateFileReader {
    static func load(_ db: SQLiteConnection, names: [String], runs limit: Int) throws -> [String: StoredJob] {
        let job = try db.prepare("SELECT command, last_due_ns, last_run FROM jobs WHERE name = ?1")
        let recent = try db.prepare("""
            SELECT run, retry, start_ns, end_ns, state, outcome, failed, stdout, stderr, stdout_bytes, stderr_bytes, truncated
            FROM runs WHERE job = ?1 ORDER BY id DESC LIMIT ?2
            """)
        var out: [String: StoredJob] = [:]
        for name in names {
            job.bind([.text(name)])
            guard try job.step() else { continue }
            var stored = StoredJob(name: name, command: job.text(0) ?? "", lastDueWallNs: job.optionalInt64(1),
                                   lastRun: Int(job.int64(2)), runs: [])
            recent.bind([.text(name), .int(limit)])
            while try recent.step() { stored.runs.append(record(recent)) }
            stored.runs.reverse()
            out[name] = stored
        }
        return out
    }

    private static func record(_ s: SQLiteStatement) -> RunRecord {
        let start = s.int64(2)
        let state = s.text(4) ?? "ended"
        var outcome = s.text(5) ?? (state == "running" ? "running" : "unknown")
        if state == "running" { outcome = "running (started by this server)" }
        var r = RunRecord(run: Int(s.int64(0)), startWallNs: start, durationNs: max(0, (s.optionalInt64(3) ?? start) - start),
                          outcome: outcome, failed: s.int64(6) != 0, stdout: s.text(7), stderr: s.text(8),
                          stdoutBytes: Int(s.int64(9)), stderrBytes: Int(s.int64(10)), truncated: s.int64(11) != 0)
        r.retry = Int(s.int64(1))
        return r
    }
}
