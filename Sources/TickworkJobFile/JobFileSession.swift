import Foundation
import Tickwork
import TickworkProcess
import TickworkStore

/// A job file loaded into an engine, and reloading it: jobs are matched by
/// name; new ones are submitted, removed ones cancelled, changed ones
/// cancelled and submitted again, unchanged ones left running untouched
/// (supervisord's `update`, systemd's `daemon-reload`). A file with any
/// problem is refused whole and the jobs loaded before keep running.
///
/// Threads: `reload` from any thread (the sampler, a signal waiter);
/// `lock` guards `file` and `ids` and serializes reloads.
public final class JobFileSession: @unchecked Sendable {
    public let engine: Engine
    public let path: String
    public let log: CommandRunLog
    /// Where runs are kept across restarts (nil: memory only).
    public let store: StateStore?
    private let lock = Lock()
    private var file: JobFile
    private var ids: [String: JobID]
    /// `at:` jobs left out because an earlier server ran them.
    public private(set) var ranBefore: Set<String> = []

    /// Submits `file`'s jobs to `engine` (whose queues are the file's).
    /// With a store, each job starts with the history it kept and goes on
    /// from its last tick, missed ticks through its policy.
    public init(file: JobFile, engine: Engine, log: CommandRunLog = CommandRunLog(), store: StateStore? = nil) throws {
        self.engine = engine; self.path = file.path; self.log = log; self.file = file; self.store = store
        let kept = try store?.load(jobs: file.jobs.map(\.name)) ?? [:]
        // A passed `at:` is fine for a job on record (it ran, or fell due
        // while no server ran), not for one never seen: that is a mistake.
        let now = Date()
        let unseen = file.jobs.filter { entry in
            guard case .at(let date) = entry.when, date < now else { return false }
            return kept[entry.name] == nil
        }
        if !unseen.isEmpty {
            throw JobFileErrors(problems: unseen.map {
                JobFileProblem(path: file.path, line: $0.line, column: 1,
                               message: "job \"\($0.name)\": its at: instant has passed, and no earlier run of it is on record")
            })
        }
        ids = try file.submit(to: engine, log: log, store: store, kept: kept)
        ranBefore = file.ranOnce(kept: kept, now: Date())
    }

    /// The engine ids of the file's jobs, by name.
    public var jobIDs: [String: JobID] { lock.withLock { ids } }

    /// Reads the file again and applies what changed.
    public func reload(now: Date = Date()) -> Result<ReloadReport, JobFileErrors> {
        lock.lock()
        defer { lock.unlock() }
        let loaded = JobFileParser.load(path: path, now: now, acceptPastInstants: true)
        guard case .success(let new) = loaded else {
            if case .failure(let errors) = loaded { return .failure(errors) }
            return .failure(JobFileErrors(problems: []))
        }
        let old = Dictionary(file.jobs.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        // An `at:` already past is fine for a job kept as it was (it may have
        // run), not for a new or changed one.
        let stale = new.jobs.filter { entry in
            guard case .at(let date) = entry.when, date < now else { return false }
            return !(old[entry.name].map { $0.sameJob(as: entry) } ?? false)
        }
        if !stale.isEmpty {
            return .failure(JobFileErrors(problems: stale.map {
                JobFileProblem(path: path, line: $0.line, column: 1, message: "job \"\($0.name)\": its at: instant has passed")
            }))
        }
        var report = ReloadReport(path: path)
        store?.flush()   // what changed jobs ran so far is on file before it is read back
        let wanted = Set(new.jobs.map(\.name))
        for (name, id) in ids where !wanted.contains(name) {
            _ = engine.cancel(id)
            log.forget(id)
            ids[name] = nil
            report.removed.append(name)
        }
        for entry in new.jobs {
            if let before = old[entry.name], before.sameJob(as: entry), ids[entry.name] != nil || ranBefore.contains(entry.name) {
                report.unchanged += 1
                continue
            }
            if let id = ids[entry.name] {
                _ = engine.cancel(id)
                log.forget(id)
                report.changed.append(entry.name)
            } else {
                report.added.append(entry.name)
            }
            do {
                // A changed (or returning) job keeps its history and its place on the grid.
                let kept = (try? store?.load(jobs: [entry.name]))?[entry.name]
                let id = try engine.submit(try entry.jobSpec(inherited: CommandEnvironment.current(), now: now, log: log,
                                                             store: store, kept: kept))
                if let runs = kept?.runs { log.restore(id, command: entry.commandText, runs: runs) }
                if kept == nil { store?.seen(job: entry.name, command: entry.commandText, atWallNs: wallNowNs()) }
                if entry.paused { _ = engine.pause(id) }
                ids[entry.name] = id
            } catch {
                report.failed.append("\(entry.name): \(error)")
                ids[entry.name] = nil
            }
        }
        if new.queues != file.queues { report.notes.append("queue settings take effect at the next start") }
        if let w = new.workers, w != (file.workers ?? 4) {
            let pool = engine.snapshot().targetWorkers + w - (file.workers ?? 4)
            do { try engine.setWorkerCount(Swift.max(1, Swift.min(256, pool))); report.notes.append("workers \(file.workers ?? 4) → \(w)") }
            catch { report.notes.append("workers not changed: \(error)") }
        }
        file = new
        return .success(report)
    }

    /// `reload` as one line for a person (the dashboard's notice, headless's stderr).
    public func reloadLine() -> String { reloadResult().message }

    /// Reloads; whether it took, and the line `reloadLine()` gives.
    public func reloadResult() -> (changed: Bool, message: String) {
        switch reload() {
        case .success(let report): return (true, report.summary)
        case .failure(let errors):
            let first = errors.problems.first.map { ": \($0)" } ?? ""
            return (false, "\(path) not reloaded (\(errors.problems.count) problem\(errors.problems.count == 1 ? "" : "s")\(first)); the jobs loaded before keep running")
        }
    }
}

/// What a reload changed.
public struct ReloadReport: Sendable, Equatable {
    public var path: String
    public var added: [String] = []
    public var changed: [String] = []
    public var removed: [String] = []
    public var unchanged = 0
    /// Jobs the engine refused (none expected: the file was checked).
    public var failed: [String] = []
    public var notes: [String] = []

    public init(path: String) { self.path = path }

    /// `reloaded jobs.yaml: 1 added (disk), 1 changed (load), 0 removed, 4 unchanged`.
    public var summary: String { summary(verb: "reloaded \(path)") }

    /// The same after another verb: `applied jobs.yaml to postgresql://…: …`.
    public func summary(verb: String) -> String {
        func part(_ names: [String], _ word: String) -> String {
            "\(names.count) \(word)" + (names.isEmpty ? "" : " (\(names.joined(separator: ", ")))")
        }
        var text = "\(verb): \(part(added, "added")), \(part(changed, "changed")), \(part(removed, "removed")), \(unchanged) unchanged"
        if !failed.isEmpty { text += "; refused: " + failed.joined(separator: "; ") }
        if !notes.isEmpty { text += "; " + notes.joined(separator: "; ") }
        return text
    }
}

extension JobEntry {
    /// The same job as written, wherever it sits in the file.
    func sameJob(as other: JobEntry) -> Bool {
        var a = self, b = other
        a.line = 0; b.line = 0
        return a == b
    }
}
