import Glibc
import Tickwork
import TickworkProcess
import TickworkStore

/// The recent runs of every command job, with their output, for the
/// dashboard's detail view; and the process each job is running now, for
/// the kill key. Bounded: the last `keepRuns` runs per job, the output of
/// only the newest `keepOutputs` of them.
///
/// Threads: workers write (a run starts, a run ends), the sampler reads,
/// the main loop's commands kill. `lock` guards `jobs`; it is never held
/// across a process call other than a signal.
public final class CommandRunLog: @unchecked Sendable {
    public static let keepRuns = 20
    public static let keepOutputs = 3

    struct Entry {
        var command: String
        var runs: [RunRecord] = []
        var runningPid: Int32?
        var runningSinceWallNs: Int64?
        /// The running group was killed by hand (the kill key).
        var killedByHand = false
        /// A person asked to stop the running group while the job is paused.
        var stopWhilePaused = false
    }

    private let lock = Lock()
    private var jobs: [JobID: Entry] = [:]

    public init() {}

    func started(_ id: JobID, command: String, pid: Int32) {
        let now = wallNowNs()
        lock.withLock {
            jobs[id, default: Entry(command: command)].runningPid = pid
            jobs[id]!.runningSinceWallNs = now
        }
    }

    /// Records a run's end; a run killed by hand says so in its outcome.
    /// Returns the record as kept.
    @discardableResult
    func finished(_ id: JobID, command: String, record: RunRecord) -> RunRecord {
        lock.withLock {
            var e = jobs[id] ?? Entry(command: command)
            var record = record
            if e.killedByHand { record.outcome += " (killed by hand)"; e.killedByHand = false }
            e.stopWhilePaused = false
            e.runningPid = nil
            e.runningSinceWallNs = nil
            e.runs.append(record)
            if e.runs.count > Self.keepRuns { e.runs.removeFirst(e.runs.count - Self.keepRuns) }
            // Older runs give their output back; their outcome stays.
            for i in e.runs.indices.dropLast(Self.keepOutputs) { e.runs[i].stdout = nil; e.runs[i].stderr = nil }
            jobs[id] = e
            return record
        }
    }

    /// Asks that the job's running group be stopped (SIGSTOP) while the job
    /// is paused; the run's own wait does it. False when it runs nothing.
    public func requestStop(_ id: JobID) -> Bool {
        lock.withLock {
            guard jobs[id]?.runningPid != nil else { return false }
            jobs[id]?.stopWhilePaused = true
            return true
        }
    }

    func stopRequested(_ id: JobID) -> Bool { lock.withLock { jobs[id]?.stopWhilePaused ?? false } }

    /// The runs an earlier server kept of this job (a state file), shown
    /// before its own.
    public func restore(_ id: JobID, command: String, runs: [RunRecord]) {
        lock.withLock {
            var e = jobs[id] ?? Entry(command: command)
            e.runs = Array((runs + e.runs).suffix(Self.keepRuns))
            for i in e.runs.indices.dropLast(Self.keepOutputs) { e.runs[i].stdout = nil; e.runs[i].stderr = nil }
            jobs[id] = e
        }
    }

    /// A job left the file (a reload): its history goes too.
    public func forget(_ id: JobID) { _ = lock.withLock { jobs.removeValue(forKey: id) } }

    public func history(_ id: JobID) -> RunHistory? {
        lock.withLock {
            jobs[id].map { RunHistory(command: $0.command, runs: $0.runs, runningPid: $0.runningPid, runningSinceWallNs: $0.runningSinceWallNs) }
        }
    }

    /// Sends SIGKILL to the process group the job is running now; the
    /// run's own wait then reaps it and records the run as killed. Returns
    /// the group it signalled, or nil when the job runs nothing.
    public func kill(_ id: JobID) -> Int32? {
        lock.withLock {
            guard let pid = jobs[id]?.runningPid else { return nil }
            Glibc.kill(-pid, SIGKILL)
            jobs[id]?.killedByHand = true
            return pid
        }
    }
}

extension RunRecord {
    init(run: Int, startWallNs: Int64, result: CommandResult) {
        let outcome: String
        if let failure = result.failureMessage { outcome = failure }
        else { outcome = "exit 0" + (result.leftovers ? " (stopped what it left running)" : "") }
        self.init(run: run, startWallNs: startWallNs, durationNs: result.durationNs, outcome: outcome,
                  failed: !result.succeeded, stdout: result.stdout.text, stderr: result.stderr.text,
                  stdoutBytes: result.stdout.totalBytes, stderrBytes: result.stderr.totalBytes,
                  truncated: result.stdout.truncated || result.stderr.truncated)
    }
}
