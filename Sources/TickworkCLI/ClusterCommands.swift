import ArgumentParser
import Foundation
import TickworkJobFile
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

/// `status --store URL`: the cluster's jobs as the database holds them,
/// with no node running.
enum ClusterStatus {
    struct Report: Encodable {
        struct Job: Encodable {
            let name: String, group: String, queue: String, state: String, schedule: String, command: String
            let generation: Int
        }
        let store: String
        let jobs: [Job]
    }

    static func print(_ text: String, json: Bool) throws {
        let db = try ClusterStore.connect(text)
        let rows: [ClusterJobs.Row]
        do { rows = try ClusterJobs.list(db) } catch { throw CleanFailure("tickwork: store: \(error)") }
        let jobs = rows.map { r in
            Report.Job(name: r.name, group: r.entry.group, queue: r.entry.queue, state: r.paused ? "paused" : "active",
                       schedule: r.entry.scheduleText, command: r.entry.commandText, generation: r.generation)
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            encoder.keyEncodingStrategy = .convertToSnakeCase
            Swift.print(String(decoding: try encoder.encode(Report(store: db.url.redacted, jobs: jobs)), as: UTF8.self))
        } else {
            Swift.print("\(db.url): \(jobs.count) job\(jobs.count == 1 ? "" : "s")")
            let table = [["NAME", "GROUP", "STATE", "SCHEDULE", "COMMAND"]] + jobs.map { [$0.name, $0.group, $0.state, $0.schedule, $0.command] }
            for line in StatusCommand.table(table) { Swift.print(line) }
        }
    }
}
