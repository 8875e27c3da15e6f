#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import Foundation
import Tickwork
import TickworkWire

/// Every job of a server, read a page at a time (a frame stays small
/// however many jobs there are).
enum RemoteJobs {
    static let pageSize = 1000

    static func all(_ link: RemoteEngineLink, group: String? = nil, text: String? = nil) throws -> (EngineSnapshot, [JobInfo]) {
        var jobs: [JobInfo] = []
        var snapshot: EngineSnapshot?
        while true {
            let query = JobQuery(group: group, text: text, sort: .id, offset: jobs.count, limit: pageSize)
            let sample: EngineSample
            do { sample = try link.sample(SampleRequest(query: query, eventLimit: 0)) } catch {
                throw CleanFailure("tickwork: \(error)")
            }
            snapshot = snapshot ?? sample.snapshot
            jobs += sample.page.jobs
            if sample.page.jobs.count < pageSize || jobs.count >= sample.page.matching { break }
        }
        return (snapshot!, jobs)
    }
}

/// `tickwork status [SERVER] [--json]`: every job once (name, group, state,
/// next due, last outcome), like `pueue status`.
struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Print every job of a running server once: name, group, state, next due, last outcome.")

    @Argument(help: "The server: its pid or its socket's path. Default: the only one running.")
    var server: String?
    @Flag(help: "One JSON object: the server and its jobs.")
    var json = false
    @Option(help: "Read a cluster's jobs from its database (postgresql://…) instead of a server.")
    var store: String?

    func validate() throws {
        if store != nil && server != nil { throw ValidationError("give a server or --store, not both") }
    }

    func run() throws {
        if let store { return try ClusterStatus.print(store, json: json) }
        let link = try ServerFinder.connect(server, client: "tickwork status")
        defer { link.close() }
        let (snapshot, jobs) = try RemoteJobs.all(link)
        if json {
            print(try StatusReport(link.server, snapshot, jobs).json())
        } else {
            print("\(link.server.name) (pid \(link.server.pid)): \(jobs.count) job\(jobs.count == 1 ? "" : "s")")
            let rows = jobs.map { j in
                [j.name, j.group, j.state.rawValue, StatusReport.nextDue(j, snapshot).map { formatNanoseconds($0) } ?? "-",
                 StatusReport.lastOutcome(j)]
            }
            for line in Self.table([["NAME", "GROUP", "STATE", "NEXT", "LAST"]] + rows) { print(line) }
        }
    }

    /// Columns padded to their widest cell, two spaces apart.
    static func table(_ rows: [[String]]) -> [String] {
        guard let columns = rows.first?.count else { return [] }
        let widths = (0..<columns).map { c in rows.map { $0[c].count }.max() ?? 0 }
        return rows.map { row in
            row.enumerated().map { c, cell in c == columns - 1 ? cell : cell.padding(toLength: widths[c], withPad: " ", startingAt: 0) }
                .joined(separator: "  ")
        }
    }
}

/// `status --json`'s shape.
struct StatusReport: Encodable {
    struct Server: Encodable { let pid: Int32; let name: String; let readOnly: Bool }
    struct Job: Encodable {
        let id: UInt64, name: String, group: String, queue: String, state: String, schedule: String
        /// Seconds from now (negative: overdue); nil when no run is planned.
        let nextDueInSeconds: Double?
        let runs: Int, errors: Int
        /// "ok", "failed" or "none" (never ran).
        let lastOutcome: String
        let lastError: String?
    }
    let server: Server
    let jobs: [Job]

    init(_ hello: ServerHello, _ snapshot: EngineSnapshot, _ jobs: [JobInfo]) {
        server = Server(pid: hello.pid, name: hello.name, readOnly: hello.readOnly)
        self.jobs = jobs.map { j in
            Job(id: j.id.rawValue, name: j.name, group: j.group, queue: j.queue, state: j.state.rawValue, schedule: j.schedule,
                nextDueInSeconds: Self.nextDue(j, snapshot).map { Double($0) / 1e9 }, runs: j.runs, errors: j.errors,
                lastOutcome: Self.lastOutcome(j), lastError: j.lastError?.message)
        }
    }

    func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }

    /// Nanoseconds from the snapshot to the job's next due, if one is planned.
    static func nextDue(_ j: JobInfo, _ s: EngineSnapshot) -> Int64? { j.nextDueNs.map { $0 - s.takenAtNs } }

    static func lastOutcome(_ j: JobInfo) -> String {
        guard j.runs > 0 || j.lastError != nil else { return "none" }
        return j.lastError.map { $0.run >= j.runs } == true ? "failed" : "ok"
    }
}

/// What the control commands share: the server, the task names or a
/// group, and the exit codes (README): 0 every task changed, 1 some did
/// not (already so, or refused), 2 no server or bad usage, 4 a name matched
/// no task.
struct ControlArguments: ParsableArguments {
    @Argument(help: "[SERVER] NAME…: the server (a pid or a socket's path; default: the only one running), then task names.")
    var words: [String] = []
    @Option(help: "Every task of this group (instead of, or besides, names).")
    var group: String?
    @Option(help: "Act on a cluster's jobs in its database (postgresql://…): every node at once.")
    var store: String?

    func validate() throws {
        if names.isEmpty && group == nil { throw ValidationError("name at least one task, or give --group") }
    }

    /// The first word is the server when it is a pid or a path (never with --store).
    var server: String? {
        guard store == nil, let first = words.first, words.count > 1 || group != nil else { return nil }
        return Self.looksLikeServer(first) ? first : nil
    }
    var names: [String] { server == nil ? words : Array(words.dropFirst()) }

    static func looksLikeServer(_ word: String) -> Bool {
        word.contains("/") || word.hasSuffix(".sock") || (!word.isEmpty && word.allSatisfy(\.isNumber))
    }

    /// Sends `command` for every task named or in the group; prints a line
    /// per task; exits with the code the outcomes call for.
    func perform(_ verb: String, _ command: (JobID) -> EngineCommand) throws {
        if let store { return try ClusterControlCommand.perform(verb, names: names, group: group, store: store) }
        let link = try ServerFinder.connect(server, client: "tickwork \(verb)")
        defer { link.close() }
        var targets: [JobInfo] = []
        var unmatched: [String] = []
        if let group {
            let (_, jobs) = try RemoteJobs.all(link, group: group)
            if jobs.isEmpty { unmatched.append("--group \(group)") }
            targets += jobs
        }
        for name in names {
            let (_, jobs) = try RemoteJobs.all(link, text: name)
            let exact = jobs.filter { $0.name == name }
            if exact.isEmpty { unmatched.append(name) }
            targets += exact.filter { job in !targets.contains { $0.id == job.id } }
        }
        var unchanged = 0
        for job in targets {
            let outcome: CommandOutcome
            do { outcome = try link.perform(command(job.id)) } catch { throw CleanFailure("tickwork: \(error)") }
            if !outcome.changed { unchanged += 1 }
            print(outcome.message ?? "\(verb) \(job.name) (\(job.id))")
        }
        for name in unmatched {
            FileHandle.standardError.write(Data("tickwork \(verb): no task named \(name) on \(link.server.name) (pid \(link.server.pid))\n".utf8))
        }
        if !unmatched.isEmpty { throw ExitCode(4) }
        if unchanged > 0 { throw ExitCode(1) }
    }
}

struct PauseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "pause", abstract: "Pause tasks of a running server.")
    @OptionGroup var control: ControlArguments
    func run() throws { try control.perform("pause") { .pause($0) } }
}

struct ResumeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "resume", abstract: "Resume paused tasks of a running server.")
    @OptionGroup var control: ControlArguments
    func run() throws { try control.perform("resume") { .resume($0) } }
}

struct CancelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "cancel", abstract: "Cancel tasks of a running server.")
    @OptionGroup var control: ControlArguments
    func run() throws { try control.perform("cancel") { .cancel($0) } }
}

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run", abstract: "Run tasks of a running server once now (their schedules stay).")
    @OptionGroup var control: ControlArguments
    func run() throws { try control.perform("run") { .runNow($0) } }
}
