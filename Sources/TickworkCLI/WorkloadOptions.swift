import ArgumentParser
import Foundation
import Logging
import Tickwork
import TickworkDemos
import TickworkJobFile
import TickworkStore
import TickworkTerminal

/// The options both the dashboard and headless mode take: which demos, a
/// job file, how many workers, a seed, a job count.
struct WorkloadOptions: ParsableArguments {
    @Option(name: .customLong("demo"), help: "A demo workload to run (repeatable). Default: refresh, unless --file is given. See `tickwork demos`.")
    var demos: [String] = []
    @Option(name: .customLong("file"), help: "A job file of commands to run (YAML; `tickwork check FILE` checks one).")
    var file: String?
    @Option(parsing: .unconditional, help: "Worker threads, 1…256. Default: the file's workers: and what the demos are written for, added up.")
    var workers: Int?
    @Option(parsing: .unconditional, help: "Seed for the demos' random draws (repeatable runs).")
    var seed: UInt64?
    @Option(parsing: .unconditional, help: "Jobs, for the scale demo (1…10000000; default 100000). Other demos refuse it.")
    var jobs: Int?

    func validate() throws {
        for name in demos where DemoCatalog.named(name) == nil {
            throw ValidationError("unknown demo '\(name)'; the demos are: \(DemoCatalog.names.joined(separator: ", "))")
        }
        if let w = workers, !(1...256).contains(w) { throw ValidationError("--workers must be 1…256 (got \(w))") }
        if let j = jobs, !(1...10_000_000).contains(j) { throw ValidationError("--jobs must be 1…10000000 (got \(j))") }
        if let j = jobs, let refusal = SystemMemory.refusal(jobs: j, option: "--jobs", bytesPerJob: ScaleDemo.bytesPerJob) { throw ValidationError(refusal) }
        if jobs != nil && !demos.contains(where: { DemoCatalog.named($0)?.takesJobCount == true }) {
            throw ValidationError("--jobs sets the scale demo's job count; add --demo scale (the other demos have their own)")
        }
        if let f = file, f.isEmpty { throw ValidationError("--file needs a path") }
    }

    /// What `start` made: the demos' host (its engine runs the file's jobs
    /// too), the file, and how long shutdown may take for its commands.
    struct Started {
        let host: DemoHost
        /// The job file's jobs in the engine (nil without --file).
        let session: JobFileSession?
        let shutdownDeadline: Duration
    }

    /// Checks `--file` (every problem on stderr as FILE:LINE:COLUMN, then
    /// exit 1, before anything starts), starts an engine sized for the file
    /// and the demos (or `--workers`), submits the file's jobs and starts the
    /// demos (default: refresh, when there is no file).
    /// Starts the engine, the job file's jobs (kept in `store` when one is
    /// given: `openStore` makes it from the file) and the demos.
    /// `cluster`: the file's jobs run from a cluster's claims, not from this
    /// engine's own schedule (the file only sizes the pool); no default demo.
    func start(logger: Logger, store openStore: ((JobFile) throws -> StateStore?)? = nil, cluster: Bool = false) throws -> Started {
        // With a state file, an `at:` instant that has passed may belong to
        // a job an earlier server ran (left out) or missed (run once now).
        var jobFile = try file.map { try Self.loadOrExit($0, acceptPastInstants: openStore != nil) }
        let store = try jobFile.flatMap { try openStore?($0) }
        if store == nil, openStore != nil, let file { jobFile = try Self.loadOrExit(file) }
        var names: [String] = []
        let asked = demos.isEmpty && jobFile == nil && !cluster ? ["refresh"] : demos
        for name in asked where !names.contains(name) { names.append(name) }
        let fileWorkers = jobFile.map { $0.workers ?? 4 } ?? 0
        let poolSize = workers ?? Swift.max(1, Swift.min(256, (cluster && jobFile == nil ? 4 : fileWorkers) + (names.isEmpty ? 0 : DemoHost.workers(for: names))))
        let engine = try Engine(EngineConfiguration(workers: poolSize, queues: jobFile?.queues ?? []))
        let host = DemoHost(engine: engine, settings: DemoSettings(seed: seed, jobs: jobs), growPool: workers == nil)
        let session: JobFileSession?
        do { session = cluster ? nil : try jobFile.map { try JobFileSession(file: $0, engine: engine, store: store) } } catch let error as StoreError {
            _ = engine.shutdown(deadline: .seconds(1))
            throw CleanFailure("tickwork: \(error)")
        } catch let errors as JobFileErrors {
            _ = engine.shutdown(deadline: .seconds(1))
            FileHandle.standardError.write(Data((errors.description + "\n").utf8))
            FileHandle.standardError.write(Data("tickwork: \(file ?? ""): \(errors.problems.count) problem\(errors.problems.count == 1 ? "" : "s"); nothing was started\n".utf8))
            throw ExitCode(1)
        }
        if let jobFile { logger.info("job file loaded", metadata: ["file": "\(jobFile.path)", "jobs": "\(jobFile.jobs.count)"]) }
        for name in names {
            try host.launch(name, poolSized: true)
            logger.info("demo started", metadata: ["demo": "\(name)"])
        }
        return Started(host: host, session: session, shutdownDeadline: jobFile?.shutdownDeadline(atLeast: .seconds(5)) ?? Duration.seconds(5))
    }

    /// The checked file, or every problem on stderr and exit 1.
    static func loadOrExit(_ path: String, now: Date = Date(), acceptPastInstants: Bool = false) throws -> JobFile {
        switch JobFileParser.load(path: path, now: now, acceptPastInstants: acceptPastInstants) {
        case .success(let file): return file
        case .failure(let errors):
            FileHandle.standardError.write(Data((errors.description + "\n").utf8))
            FileHandle.standardError.write(Data("tickwork: \(path): \(errors.problems.count) problem\(errors.problems.count == 1 ? "" : "s"); nothing was started\n".utf8))
            throw ExitCode(1)
        }
    }
}
