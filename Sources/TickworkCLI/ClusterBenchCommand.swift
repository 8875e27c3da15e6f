#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import Foundation
import TickworkJobFile
import TickworkPostgres

/// `tickwork bench-cluster --store URL`: what sharing one schedule costs.
/// In a database of its own on the server (made, then dropped), it applies
/// `--jobs` no-op jobs every 5–15 s (the first tick of each spread over its
/// period), starts `--nodes` real `tickwork serve --store` processes, and
/// after a warm-up measures for `--seconds`: every tick exactly once and
/// none missing, lateness (a run's start − its tick), and CPU per run of
/// the nodes and of every `postgres` process on this machine. With
/// `--kill` it then kills one node with SIGKILL and measures how long its
/// share took to run elsewhere. Prints the figures (`--json`: one line).
struct ClusterBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-cluster",
        abstract: "Measure a cluster on PostgreSQL: no-op jobs on several real nodes; exactly-once, lateness, CPU per run, a node killed.")

    @Option(help: "A PostgreSQL server whose user may create databases: postgresql://USER[:PASSWORD]@HOST[:PORT]/DB.")
    var store: String
    @Option(parsing: .unconditional, help: "No-op jobs (1…100000).")
    var jobs = 10_000
    @Option(parsing: .unconditional, help: "Node processes (1…16).")
    var nodes = 3
    @Option(parsing: .unconditional, help: "Each node's worker threads (1…256).")
    var workers = 4
    @Option(parsing: .unconditional, help: "Shortest period in seconds (1…3600).")
    var pmin = 5
    @Option(parsing: .unconditional, help: "Longest period in seconds (pmin…3600).")
    var pmax = 15
    @Option(parsing: .unconditional, help: "Seconds before measuring (0…600).")
    var warmup = 10.0
    @Option(parsing: .unconditional, help: "Seconds measured (1…3600).")
    var seconds = 60.0
    @Flag(help: "Then kill one node with SIGKILL, and measure how long until its share runs elsewhere.")
    var kill = false
    @Flag(help: "One JSON line.")
    var json = false

    func validate() throws {
        guard (1...100_000).contains(jobs) else { throw ValidationError("--jobs must be 1…100000 (got \(jobs))") }
        guard (1...16).contains(nodes) else { throw ValidationError("--nodes must be 1…16 (got \(nodes))") }
        guard (1...256).contains(workers) else { throw ValidationError("--workers must be 1…256 (got \(workers))") }
        guard (1...3600).contains(pmin) else { throw ValidationError("--pmin must be 1…3600 (got \(pmin))") }
        guard (pmin...3600).contains(pmax) else { throw ValidationError("--pmax must be \(pmin)…3600 (got \(pmax))") }
        guard (0...600).contains(warmup) else { throw ValidationError("--warmup must be 0…600 (got \(warmup))") }
        guard (1...3600).contains(seconds) else { throw ValidationError("--seconds must be 1…3600 (got \(seconds))") }
        if kill && nodes < 2 { throw ValidationError("--kill needs --nodes 2 or more: someone must take the share over") }
    }

    func run() throws {
        BenchInterrupt.block()
        let admin = try ClusterStore.connect(store)
        let bench = try ClusterBenchDatabase(admin: admin)
        defer { bench.drop() }
        let plan = ClusterBenchPlan(jobs: jobs, pminSeconds: pmin, pmaxSeconds: pmax)
        do { _ = try ClusterJobs.apply(plan.file, to: bench.db) } catch { throw CleanFailure("tickwork bench-cluster: \(error)") }
        say("applied \(jobs) no-op jobs (≈ \(Int(plan.runsPerSecond.rounded())) runs/s) to \(bench.db.url); starting \(nodes) nodes")
        let members = try ClusterBenchNodes(url: bench.url, count: nodes, workers: workers)
        defer { members.stopAll() }
        try members.waitUntilJoined(bench.db)
        try BenchInterrupt.sleep(warmup)
        let from = try bench.nowUs(), cpu0 = members.cpu(), pg0 = ProcessCPU.postgres()
        try BenchInterrupt.sleep(seconds)
        let to = try bench.nowUs(), cpu1 = members.cpu(), pg1 = ProcessCPU.postgres()
        var killAt: Int64?, killedName: String?, until = to, declaredDeadUs: Int64?
        if kill {
            let began = Date()
            killedName = members.killLast()
            killAt = try bench.nowUs()
            // Lease and heartbeat for the others to find it, then as long
            // again to see what runs after.
            declaredDeadUs = try bench.waitUntilGone(killedName!, seconds: 15)
            try BenchInterrupt.sleep(max(0, 15 - Date().timeIntervalSince(began)))
            until = try bench.nowUs()
        }
        members.stopAll()
        let rows = try bench.runs()
        let report = ClusterBenchReport(plan: plan, runs: rows, from: from, to: to, nodeCPUSeconds: cpu1 - cpu0,
                                        postgresCPUSeconds: pg1 - pg0, killedNode: killedName, killAtUs: killAt, untilUs: until,
                                        nodes: nodes, workers: workers, declaredDeadAtUs: declaredDeadUs)
        if json { print(report.jsonLine) } else { for line in report.lines { print(line) } }
        for problem in members.problems { say(problem) }
    }

    private func say(_ line: String) {
        FileHandle.standardError.write(Data("tickwork bench-cluster: \(line)\n".utf8))
    }
}

/// A database of the bench's own on the server, dropped after.
final class ClusterBenchDatabase {
    let admin: PostgresConnection
    let name = "tickwork_bench_\(getpid())"
    let url: String
    let db: PostgresConnection

    init(admin: PostgresConnection) throws {
        self.admin = admin
        do {
            try admin.execute("CREATE DATABASE \(name)")
            url = try Self.replacingDatabase(of: admin.url.text, with: name)
            db = try PostgresConnection(try PostgresURL(url))
            try ClusterSchema.migrate(db)
        } catch {
            _ = try? admin.execute("DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
            throw CleanFailure("tickwork bench-cluster: \(error)")
        }
    }

    /// The same URL naming another database (its query, if any, kept).
    static func replacingDatabase(of text: String, with db: String) throws -> String {
        guard let scheme = text.range(of: "://") else { throw CleanFailure("tickwork bench-cluster: not a URL") }
        let rest = text[scheme.upperBound...]
        let query = rest.firstIndex(of: "?")
        let authority = rest[..<(query ?? rest.endIndex)]
        let host = authority.firstIndex(of: "/").map { authority[..<$0] } ?? authority
        return text[..<scheme.upperBound] + host + "/" + db + (query.map { String(rest[$0...]) } ?? "")
    }

    func nowUs() throws -> Int64 {
        do { return Int64(try db.execute("SELECT (extract(epoch from now()) * 1000000)::bigint").first?[0] ?? "") ?? 0 }
        catch { throw CleanFailure("tickwork bench-cluster: \(error)") }
    }

    /// Until `node`'s row is gone (another node declared it dead), polling
    /// every 50 ms for at most `seconds`: the database's clock then.
    func waitUntilGone(_ node: String, seconds: Double) throws -> Int64? {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            do {
                if try db.execute("SELECT 1 FROM tickwork_nodes WHERE name = $1", [node]).isEmpty { return try nowUs() }
            } catch { throw CleanFailure("tickwork bench-cluster: \(error)") }
            try BenchInterrupt.sleep(0.05)
        }
        return nil
    }

    func runs() throws -> [ClusterBenchReport.Run] {
        do {
            return try db.execute("""
                SELECT job, due_us, node, state, (extract(epoch from started_at) * 1000000)::bigint,
                       (extract(epoch from ended_at) * 1000000)::bigint FROM tickwork_runs
                """).compactMap { r in
                guard let job = r[0], let due = Int64(r[1] ?? "") else { return nil }
                return .init(job: job, dueUs: due, node: r[2] ?? "", state: r[3] ?? "", startedUs: r[4].flatMap { Int64($0) },
                             endedUs: r[5].flatMap { Int64($0) })
            }
        } catch { throw CleanFailure("tickwork bench-cluster: \(error)") }
    }

    func drop() {
        _ = try? admin.execute("DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
    }
}

/// The node processes: this same program as `serve --store`, each with a
/// socket in a private folder of its own.
final class ClusterBenchNodes {
    private var processes: [(name: String, process: Process, log: String)] = []
    private let folder: String
    private(set) var problems: [String] = []

    init(url: String, count: Int, workers: Int) throws {
        folder = try benchFolder("bench-cluster")
        for i in 1...count {
            let name = "bench\(i)", log = "\(folder)/\(name).log"
            FileManager.default.createFile(atPath: log, contents: nil)
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/proc/self/exe")
            p.arguments = ["serve", "--store", url, "--node", name, "--workers", String(workers), "--socket", "\(folder)/\(name).sock"]
            let out = FileHandle(forWritingAtPath: log)
            p.standardOutput = out
            p.standardError = out
            p.standardInput = FileHandle.nullDevice
            do { try p.run() } catch { stopAll(); throw CleanFailure("tickwork bench-cluster: cannot start a node: \(error)") }
            processes.append((name, p, log))
        }
    }

    /// Until every node's row is in the database (at most 30 s).
    func waitUntilJoined(_ db: PostgresConnection) throws {
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            if let dead = processes.first(where: { !$0.process.isRunning }) {
                throw CleanFailure("tickwork bench-cluster: node \(dead.name) exited: \(tail(dead.log))")
            }
            let joined = (try? db.execute("SELECT count(*) FROM tickwork_nodes").first?[0]).flatMap { $0.flatMap { Int($0) } } ?? 0
            if joined == processes.count { return }
            try BenchInterrupt.sleep(0.05)
        }
        throw CleanFailure("tickwork bench-cluster: the nodes did not all join within 30 s")
    }

    /// The nodes' CPU seconds so far (user and system, every thread).
    func cpu() -> Double { processes.reduce(0) { $0 + ProcessCPU.seconds(pid: $1.process.processIdentifier) } }

    /// SIGKILL to the last node; its name.
    func killLast() -> String {
        let last = processes.removeLast()
        Glibc.kill(last.process.processIdentifier, SIGKILL)
        last.process.waitUntilExit()
        return last.name
    }

    /// SIGTERM to each node still running, and waits for it; a node that
    /// did not stop cleanly is named in `problems`.
    func stopAll() {
        for p in processes where p.process.isRunning { Glibc.kill(p.process.processIdentifier, SIGTERM) }
        for p in processes {
            p.process.waitUntilExit()
            if p.process.terminationStatus != 0 { problems.append("node \(p.name) exited \(p.process.terminationStatus): \(tail(p.log))") }
        }
        processes.removeAll()
        try? FileManager.default.removeItem(atPath: folder)
    }

    private func tail(_ log: String) -> String {
        let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").suffix(3).joined(separator: " / ")
    }
}

/// Ctrl-C or SIGTERM during the benchmark: its sleeps end with a failure,
/// so the nodes are stopped and its database dropped on the way out
/// (a handler could do neither). The signals are blocked first thing, in
/// the main thread, and waited for by `sleep`.
enum BenchInterrupt {
    static func block() {
        var set = signals
        pthread_sigmask(SIG_BLOCK, &set, nil)
    }

    static var signals: sigset_t {
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGINT)
        sigaddset(&set, SIGTERM)
        return set
    }

    static func sleep(_ seconds: Double) throws {
        var set = signals
        var wait = timespec(tv_sec: Int(seconds), tv_nsec: Int((seconds - Double(Int(seconds))) * 1e9))
        if sigtimedwait(&set, nil, &wait) > 0 {
            throw CleanFailure("tickwork bench-cluster: interrupted; the nodes are stopped and the bench's database dropped")
        }
    }
}

/// A new private folder `/tmp/tickwork-COMMAND-XXXXXX` for a benchmark's
/// files (the caller removes it), or one line saying it cannot be made.
func benchFolder(_ command: String) throws -> String {
    var template = Array("/tmp/tickwork-\(command)-XXXXXX".utf8CString)
    guard let made = mkdtemp(&template) else { throw CleanFailure("tickwork \(command): cannot make a folder in /tmp") }
    return String(cString: made)
}

/// CPU time from `/proc/PID/stat` (utime + stime, every thread).
enum ProcessCPU {
    static func seconds(pid: Int32) -> Double {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = text.lastIndex(of: ")") else { return 0 }
        let fields = text[text.index(after: close)...].split(separator: " ")
        // After the name: state is field 3, utime 14 and stime 15 (1-based).
        guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else { return 0 }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// Every `postgres` process on this machine, added up.
    static func postgres() -> Double {
        let pids = (try? FileManager.default.contentsOfDirectory(atPath: "/proc"))?.compactMap(Int32.init) ?? []
        return pids.reduce(0) { sum, pid in
            let name = (try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
            return name == "postgres" ? sum + seconds(pid: pid) : sum
        }
    }
}
