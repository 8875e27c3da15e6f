#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import Foundation
import Tickwork
import TickworkModel
import TickworkStore

/// `tickwork bench-store`: what the state file costs the threads that run
/// jobs. One thread posts `--rate` runs a second (a start and an end each,
/// spread over `--jobs` jobs, with `--output-bytes` of output) for
/// `--seconds`, timing every post; the writer's thread CPU time is read
/// from the store. Prints one JSON line.
struct StoreBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-store",
        abstract: "Measure what the state file costs: time per post on a worker, the writer's CPU per run (one JSON line).")

    @Option(parsing: .unconditional, help: "Runs a second (1…100000).")
    var rate = 1000
    @Option(parsing: .unconditional, help: "Seconds measured (1…3600).")
    var seconds = 10.0
    @Option(parsing: .unconditional, help: "Jobs the runs are spread over (1…100000).")
    var jobs = 100
    @Option(name: .customLong("output-bytes"), parsing: .unconditional, help: "Bytes of stdout each run records (0…65536).")
    var outputBytes = 200
    @Option(help: "The state file (default: a new one in a folder under /tmp, removed after).")
    var state: String?

    func validate() throws {
        guard (1...100_000).contains(rate) else { throw ValidationError("--rate must be 1…100000 (got \(rate))") }
        guard (1...3600).contains(seconds) else { throw ValidationError("--seconds must be 1…3600 (got \(seconds))") }
        guard (1...100_000).contains(jobs) else { throw ValidationError("--jobs must be 1…100000 (got \(jobs))") }
        guard (0...65_536).contains(outputBytes) else { throw ValidationError("--output-bytes must be 0…65536 (got \(outputBytes))") }
    }

    func run() throws {
        var folder: String?
        let path: String
        if let state { path = state } else {
            folder = try benchFolder("bench-store")
            path = folder! + "/state.sqlite"
        }
        defer { if let folder { try? FileManager.default.removeItem(atPath: folder) } }
        let store = try StateOption.open(path)!
        let output = String(repeating: "x", count: outputBytes)
        let total = Int(Double(rate) * seconds)
        let intervalNs = 1_000_000_000 / Int64(rate)
        var postNs: [Int64] = []
        postNs.reserveCapacity(total)
        let began = monotonicNanoseconds()
        let wallBase: Int64 = Int64(Date().timeIntervalSince1970 * 1e9)
        for i in 0..<total {
            let due = began + Int64(i) * intervalNs
            while monotonicNanoseconds() < due { sleepUntil(due) }
            let job = "bench-\(i % jobs)", run = i / jobs + 1
            let wall = wallBase + Int64(i) * intervalNs
            let t0 = monotonicNanoseconds()
            store.started(RunStart(job: job, command: "true", run: run, retry: 0, dueWallNs: wall, startWallNs: wall, pid: 1))
            let record = RunRecord(run: run, startWallNs: wall, durationNs: 1_000_000, outcome: "exit 0", failed: false,
                                   stdout: output, stderr: "", stdoutBytes: outputBytes, stderrBytes: 0, truncated: false)
            store.ended(RunEnd(job: job, command: "true", dueWallNs: wall, record: record, exitCode: 0, signal: nil))
            postNs.append(monotonicNanoseconds() - t0)
        }
        let posted = monotonicNanoseconds()
        store.flush()
        let flushNs = monotonicNanoseconds() - posted
        let elapsed = Double(monotonicNanoseconds() - began) / 1e9
        let figures = store.writerFigures
        let size = ["", "-wal"].reduce(0) { $0 + ((try? FileManager.default.attributesOfItem(atPath: path + $1)[.size] as? Int) ?? 0) }
        store.close()
        postNs.sort()
        func pct(_ p: Double) -> Int64 { postNs.isEmpty ? 0 : postNs[min(postNs.count - 1, Int(Double(postNs.count) * p))] }
        let line: [String: Any] = [
            "runs": total, "rate": rate, "seconds": (elapsed * 100).rounded() / 100, "jobs": jobs,
            "post_pair_ns_p50": pct(0.5), "post_pair_ns_p99": pct(0.99), "post_pair_ns_max": postNs.last ?? 0,
            "writer_transactions": figures.batches, "runs_per_transaction": figures.batches == 0 ? 0 : (Double(total) / Double(figures.batches) * 10).rounded() / 10,
            "writer_cpu_us_per_run": (Double(figures.cpuNs) / 1e3 / Double(max(1, total)) * 100).rounded() / 100,
            "writer_core_percent": (Double(figures.cpuNs) / 1e9 / elapsed * 1000).rounded() / 10,
            "flush_ms_at_end": (Double(flushNs) / 1e6 * 10).rounded() / 10, "file_bytes": size,
        ]
        let data = try JSONSerialization.data(withJSONObject: line, options: [.sortedKeys])
        print(String(decoding: data, as: UTF8.self))
        if let problem = store.health { throw CleanFailure("tickwork bench-store: \(problem)") }
    }

    private func sleepUntil(_ ns: Int64) {
        let left = ns - monotonicNanoseconds()
        if left > 200_000 { usleep(useconds_t(min(left - 100_000, 50_000_000) / 1000)) }
    }
}
