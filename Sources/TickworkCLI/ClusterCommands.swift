import ArgumentParser
import Foundation
import TickworkJobFile
import Tickwork
import TickworkPostgres

/// `--store postgresql://…`: the cluster's database, connected and at this
/// tickwork's schema, or one line saying why not (exit 2).
enum ClusterStore {
    static func connect(_ text: String) throws -> PostgresConnection {
        do {
            let db = try PostgresConnection(try PostgresURL(text))
            try ClusterSchema.migrate(db)
            return db
        } catch {
            throw CleanFailure("tickwork: store: \(error)")
        }
    }
}

/// `tickwork apply --store URL FILE`: makes the cluster's jobs what the
/// file says (added, changed, removed by name) without running any, and
/// prints what changed.
struct ApplyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apply",
        abstract: "Make a cluster's jobs (PostgreSQL) what a job file says, and print what changed.")

    @Option(help: "The cluster's database: postgresql://USER[:PASSWORD]@HOST[:PORT]/DB.")
    var store: String
    @Argument(help: "The job file.")
    var file: String

    func run() throws {
        let jobs = try WorkloadOptions.loadOrExit(file)
        let db = try ClusterStore.connect(store)
        do {
            let report = try ClusterJobs.apply(jobs, to: db)
            print(report.summary(verb: "applied \(file) to \(db.url)"))
        } catch {
            throw CleanFailure("tickwork: store: \(error)")
        }
    }
}

/// `status --store URL`: the cluster as the database holds it, with no
/// node running: its nodes, and each job's next tick and last run (which
/// node ran it, how it ended).
enum ClusterStatus {
    struct Report: Encodable {
        struct Node: Encodable {
            let name: String, host: String, pid: Int, workers: Int, runs: Int
            let heartbeatAgeSeconds: Double
        }
        struct Job: Encodable {
            let name: String, group: String, queue: String, state: String, schedule: String, command: String
            let generation: Int
            /// Seconds from now (negative: overdue); nil when no tick is planned.
            let nextDueInSeconds: Double?
            let lastRun: Run?
        }
        struct Run: Encodable {
            let due: String, node: String, state: String, outcome: String?
        }
        let store: String
        let nodes: [Node]
        let jobs: [Job]
    }

    static func print(_ text: String, json: Bool) throws {
        let db = try ClusterStore.connect(text)
        let report: Report
        do { report = try read(db) } catch { throw CleanFailure("tickwork: store: \(error)") }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            encoder.keyEncodingStrategy = .convertToSnakeCase
            Swift.print(String(decoding: try encoder.encode(report), as: UTF8.self))
            return
        }
        Swift.print("\(db.url): \(report.nodes.count) node\(report.nodes.count == 1 ? "" : "s"), \(report.jobs.count) job\(report.jobs.count == 1 ? "" : "s")")
        if !report.nodes.isEmpty {
            let nodes = [["NODE", "HOST", "PID", "WORKERS", "HEARTBEAT", "RUNS"]] + report.nodes.map {
                [$0.name, $0.host, String($0.pid), String($0.workers), formatNanoseconds(Int64($0.heartbeatAgeSeconds * 1e9)) + " ago", String($0.runs)]
            }
            for line in StatusCommand.table(nodes) { Swift.print(line) }
        }
        let table = [["NAME", "GROUP", "STATE", "SCHEDULE", "NEXT", "LAST", "COMMAND"]] + report.jobs.map { j in
            [j.name, j.group, j.state, j.schedule, j.nextDueInSeconds.map { formatNanoseconds(Int64($0 * 1e9)) } ?? "-",
             j.lastRun.map { "\($0.outcome ?? $0.state) on \($0.node)" } ?? "none", j.command]
        }
        for line in StatusCommand.table(table) { Swift.print(line) }
    }

    static func read(_ db: PostgresConnection) throws(PostgresError) -> Report {
        let nodes = try db.execute("""
            SELECT name, host, pid, workers, runs, extract(epoch from now() - heartbeat_at) FROM tickwork_nodes ORDER BY name
            """).map { r in
            Report.Node(name: r[0] ?? "", host: r[1] ?? "", pid: Int(r[2] ?? "") ?? 0, workers: Int(r[3] ?? "") ?? 0,
                        runs: Int(r[4] ?? "") ?? 0, heartbeatAgeSeconds: ((Double(r[5] ?? "") ?? 0) * 1000).rounded() / 1000)
        }
        // Each job's latest claim is on its tick row (not a scan of every run).
        let last = try db.execute("""
            SELECT t.job, t.last_due_us, t.last_node, coalesce(r.state, 'trimmed'), r.outcome FROM tickwork_ticks t
            LEFT JOIN tickwork_runs r ON r.job = t.job AND r.due_us = t.last_due_us WHERE t.last_due_us IS NOT NULL
            """)
        var lastRun: [String: Report.Run] = [:]
        for r in last {
            guard let job = r[0], let due = Int64(r[1] ?? "") else { continue }
            lastRun[job] = Report.Run(due: NextRuns.utcText(Date(timeIntervalSince1970: Double(due) / 1e6)), node: r[2] ?? "",
                                      state: r[3] ?? "", outcome: r[4])
        }
        let ticks = try db.execute("""
            SELECT t.job, (t.next_due_us - (extract(epoch from now()) * 1000000)::bigint) FROM tickwork_ticks t
            """)
        var next: [String: Double] = [:]
        for r in ticks { if let job = r[0], let us = Double(r[1] ?? "") { next[job] = us / 1e6 } }
        let jobs = try ClusterJobs.list(db).map { r in
            Report.Job(name: r.name, group: r.entry.group, queue: r.entry.queue, state: r.paused ? "paused" : "active",
                       schedule: r.entry.scheduleText, command: r.entry.commandText, generation: r.generation,
                       nextDueInSeconds: r.paused ? nil : next[r.name], lastRun: lastRun[r.name])
        }
        return Report(store: db.url.redacted, nodes: nodes, jobs: jobs)
    }
}

/// `serve --store URL [--file F]`: applies the file to the cluster (if
/// given) and joins it as a node that runs its share of the schedule.
enum ClusterServe {
    static func join(_ text: String, file: String?, engine: Engine, node: String?, say: (String) -> Void) throws -> ClusterNode {
        do {
            let db = try ClusterStore.connect(text)
            if let file {
                let jobs = try WorkloadOptions.loadOrExit(file)
                do { say("tickwork serve: " + (try ClusterJobs.apply(jobs, to: db)).summary(verb: "applied \(file) to \(db.url)")) }
                catch { throw CleanFailure("tickwork: store: \(error)") }
            }
            let name = node ?? "\(ProcessInfo.processInfo.hostName):\(getpid())"
            let member: ClusterNode
            do { member = try ClusterNode(url: db.url, engine: engine, name: name) } catch { throw CleanFailure("tickwork: store: \(error)") }
            member.onNotice = { line in print("tickwork serve: " + line); fflush(nil) }
            member.start()
            say("tickwork serve: node \(name) joined the cluster at \(db.url) (lease \(Int(member.settings.leaseSeconds)) s, heartbeat every \(Int(member.settings.heartbeatSeconds)) s)")
            return member
        } catch {
            _ = engine.shutdown(deadline: .seconds(1))
            throw error
        }
    }
}

/// `pause|resume|cancel --store URL NAME… [--group G]`: the same exit codes
/// as against a server (0 every job changed, 1 some already so, 2 the
/// store, 4 a name matched no job).
enum ClusterControlCommand {
    static func perform(_ verb: String, names: [String], group: String?, store: String) throws {
        guard let kind = ClusterControl.Verb(rawValue: verb) else {
            throw CleanFailure("tickwork \(verb): --store takes pause, resume and cancel; \(verb) acts on a running server")
        }
        let db = try ClusterStore.connect(store)
        let outcome: ClusterControl.Outcome
        do { outcome = try ClusterControl.perform(kind, names: names, group: group, on: db) } catch {
            throw CleanFailure("tickwork: store: \(error)")
        }
        let past = ["pause": "paused", "resume": "resumed", "cancel": "cancelled"][verb] ?? verb
        for name in outcome.changed { print("\(past) \(name) in the cluster") }
        for name in outcome.unchanged { print("\(name) was already \(past)") }
        for name in outcome.unmatched {
            FileHandle.standardError.write(Data("tickwork \(verb): no job named \(name) in \(db.url)\n".utf8))
        }
        if !outcome.unmatched.isEmpty { throw ExitCode(4) }
        if !outcome.unchanged.isEmpty { throw ExitCode(1) }
    }
}
