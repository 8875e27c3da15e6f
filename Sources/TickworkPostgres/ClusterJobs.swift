import Foundation
import TickworkJobFile

/// The cluster's jobs: rows keyed by name, each holding its job-file entry
/// as JSON. Applying a file makes the rows say what the file says, in one
/// transaction: new names added, changed entries replaced (their
/// generation goes up, so nodes see the change), names gone marked
/// removed. A job's pause is the cluster's, not the file's: the file's
/// `paused:` sets it only when the job is added.
public enum ClusterJobs {
    static let applyLockKey = 7_341_285_002
    /// Applies `file` to the store; returns what changed.
    public static func apply(_ file: JobFile, to db: PostgresConnection) throws(PostgresError) -> ReloadReport {
        if let refusal = file.jobs.lazy.compactMap(ClusterCadence.refusal).first { throw PostgresError(refusal) }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return try db.transaction { () throws(PostgresError) -> ReloadReport in
            // Nodes started together with one file apply it one at a time:
            // the first adds, the others find it unchanged.
            try db.execute("SELECT pg_advisory_xact_lock($1)", [String(applyLockKey)])
            let rows = try db.execute("SELECT name, spec::text, removed FROM tickwork_jobs FOR UPDATE")
            var stored: [String: (spec: String, removed: Bool)] = [:]
            for row in rows { if let name = row[0] { stored[name] = (row[1] ?? "", row[2] == "t") } }
            var report = ReloadReport(path: file.path)
            for var entry in file.jobs {
                entry.line = 0
                let spec: String
                do { spec = String(decoding: try encoder.encode(entry), as: UTF8.self) }
                catch { throw PostgresError("job \"\(entry.name)\" cannot be written: \(error)") }
                guard let before = stored[entry.name], !before.removed else {
                    try db.execute("""
                        INSERT INTO tickwork_jobs (name, spec, command, schedule, paused) VALUES ($1, $2::jsonb, $3, $4, $5)
                        ON CONFLICT (name) DO UPDATE SET spec = excluded.spec, command = excluded.command, schedule = excluded.schedule,
                            paused = excluded.paused, removed = false, generation = tickwork_jobs.generation + 1, updated_at = now()
                        """, [entry.name, spec, entry.commandText, entry.scheduleText, entry.paused ? "true" : "false"])
                    report.added.append(entry.name)
                    continue
                }
                let same = try db.execute("SELECT $1::jsonb = $2::jsonb", [before.spec, spec]).first?[0] == "t"
                if same { report.unchanged += 1; continue }
                try db.execute("""
                    UPDATE tickwork_jobs SET spec = $2::jsonb, command = $3, schedule = $4, generation = generation + 1, updated_at = now()
                    WHERE name = $1
                    """, [entry.name, spec, entry.commandText, entry.scheduleText])
                report.changed.append(entry.name)
            }
            if !report.added.isEmpty || !report.changed.isEmpty { try ClusterSchema.notifyJobsChanged(db) }
            let wanted = Set(file.jobs.map(\.name))
            for (name, row) in stored.sorted(by: { $0.key < $1.key }) where !row.removed && !wanted.contains(name) {
                try db.execute("UPDATE tickwork_jobs SET removed = true, generation = generation + 1, updated_at = now() WHERE name = $1", [name])
                report.removed.append(name)
            }
            return report
        }
    }

    /// One job as the store holds it.
    public struct Row: Sendable, Equatable {
        public var name: String
        public var entry: JobEntry
        public var paused: Bool
        public var generation: Int
    }

    /// The jobs not removed, by name.
    public static func list(_ db: PostgresConnection) throws(PostgresError) -> [Row] {
        let decoder = JSONDecoder()
        return try db.execute("SELECT name, spec::text, paused, generation FROM tickwork_jobs WHERE NOT removed ORDER BY name").map { row throws(PostgresError) in
            guard let name = row[0], let spec = row[1],
                  let entry = try? decoder.decode(JobEntry.self, from: Data(spec.utf8)) else {
                throw PostgresError("\(db.url): job \(row[0] ?? "?") has a spec this tickwork cannot read")
            }
            return Row(name: name, entry: entry, paused: row[2] == "t", generation: Int(row[3] ?? "") ?? 0)
        }
    }
}
