import Foundation
import Tickwork
import TickworkJobFile

/// Pause, resume and cancel on the whole cluster: the job rows every node
/// claims from. A pause stops claims (a run in progress finishes); a
/// resume plans the job's tick from now as the engine does after a pause
/// (ticks passed while paused are not run, unless `catch_up`); a cancel
/// marks the job removed until a file applies it again.
public enum ClusterControl {
    public enum Verb: String, Sendable { case pause, resume, cancel }

    /// What a control did: the jobs it changed, those already so, and the
    /// names that matched nothing.
    public struct Outcome: Sendable, Equatable {
        public var changed: [String] = []
        public var unchanged: [String] = []
        public var unmatched: [String] = []
    }

    public static func perform(_ verb: Verb, names: [String], group: String?, on db: PostgresConnection) throws(PostgresError) -> Outcome {
        try db.transaction { () throws(PostgresError) -> Outcome in
            let rows = try db.execute("""
                SELECT name, paused, spec::text, (extract(epoch from now()) * 1000000)::bigint FROM tickwork_jobs
                WHERE NOT removed AND (name = ANY($1::text[]) OR ($2::text IS NOT NULL AND spec->>'group' = $2))
                ORDER BY name FOR UPDATE
                """, [postgresArray(names), group])
            var outcome = Outcome()
            let found = Set(rows.compactMap { $0[0] })
            outcome.unmatched = names.filter { !found.contains($0) }
            if let group, !rows.contains(where: { row in
                (try? JSONDecoder().decode(JobEntry.self, from: Data((row[2] ?? "").utf8)))?.group == group
            }) { outcome.unmatched.append("--group \(group)") }
            for row in rows {
                guard let name = row[0], let now = Int64(row[3] ?? "") else { continue }
                let paused = row[1] == "t"
                switch verb {
                case .pause where !paused:
                    try db.execute("UPDATE tickwork_jobs SET paused = true, updated_at = now() WHERE name = $1", [name])
                case .resume where paused:
                    try db.execute("UPDATE tickwork_jobs SET paused = false, updated_at = now() WHERE name = $1", [name])
                    try replanAfterPause(name, spec: row[2] ?? "", nowUs: now, db)
                case .cancel:
                    try db.execute("UPDATE tickwork_jobs SET removed = true, generation = generation + 1, updated_at = now() WHERE name = $1", [name])
                default:
                    outcome.unchanged.append(name)
                    continue
                }
                outcome.changed.append(name)
            }
            if verb == .resume && !outcome.changed.isEmpty { try ClusterSchema.notifyJobsChanged(db) }
            return outcome
        }
    }

    /// The tick a resumed job waits for: its pending one if still ahead;
    /// else, for `every`, the grid's next tick (its latest with
    /// `run_once_late`, the pending one with `catch_up`), for cron the
    /// next fire time.
    static func replanAfterPause(_ name: String, spec: String, nowUs: Int64, _ db: PostgresConnection) throws(PostgresError) {
        guard let entry = try? JSONDecoder().decode(JobEntry.self, from: Data(spec.utf8)),
              let pending = Int64(try db.execute("SELECT next_due_us FROM tickwork_ticks WHERE job = $1", [name]).first?[0] ?? ""),
              pending < nowUs else { return }
        let next: Int64?
        switch entry.when {
        case .every(let period, _):
            next = Cadence.resumeFixedRate(period: period, policy: entry.missed ?? .skip, pendingDue: pending * 1000, now: nowUs * 1000).nextDue / 1000
        case .cron:
            next = ClusterCadence.first(entry, nowUs: nowUs)
        default:
            next = pending
        }
        try db.execute("UPDATE tickwork_ticks SET next_due_us = $2 WHERE job = $1", [name, next.map(String.init)])
    }
}
