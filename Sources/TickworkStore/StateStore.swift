import TickworkModel

/// Where a server keeps what must outlive it: each job's last tick and a
/// bounded history of its runs. The job file's runner posts a run's start
/// and end; the store writes them on its own thread, so posting costs the
/// worker a lock and an append. An embedded SQLite file on one machine
/// (`StateFile`); the cluster store on PostgreSQL is to implement the same.
///
/// Threads: `started`, `ended` from any worker; `load` before the jobs
/// start; `flush` and `close` from the thread that owns the server.
public protocol StateStore: AnyObject, Sendable {
    /// Where the state lives, as a person reads it (a path, a URL).
    var location: String { get }
    /// What was kept of these jobs (by name); a job never seen is absent.
    func load(jobs names: [String]) throws(StoreError) -> [String: StoredJob]
    /// The job is scheduled from `wallNs` on: a job not yet on record is
    /// noted with it as its last tick, so a tick it misses while no server
    /// runs is known even before its first run.
    func seen(job: String, command: String, atWallNs: Int64)
    func started(_ run: RunStart)
    func ended(_ run: RunEnd)
    /// Returns once everything posted before the call is written (or the
    /// store has given up writing: `health` says why).
    func flush()
    /// Flushes and closes; later posts are dropped.
    func close()
    /// Nil while writes succeed; otherwise the latest failure, for a person.
    var health: String? { get }
}

/// A run that started: written at once (batched with whatever else is
/// pending), so a crash leaves it on record as interrupted.
public struct RunStart: Sendable, Equatable {
    public var job: String
    public var command: String
    public var run: Int
    public var retry: Int
    /// The tick this run belongs to (wall clock, unix ns).
    public var dueWallNs: Int64
    public var startWallNs: Int64
    public var pid: Int32?

    public init(job: String, command: String, run: Int, retry: Int, dueWallNs: Int64, startWallNs: Int64, pid: Int32?) {
        self.job = job; self.command = command; self.run = run; self.retry = retry
        self.dueWallNs = dueWallNs; self.startWallNs = startWallNs; self.pid = pid
    }
}

/// A run that ended (or never started: the command could not be spawned).
public struct RunEnd: Sendable, Equatable {
    public var job: String
    public var command: String
    public var dueWallNs: Int64
    public var record: RunRecord
    /// The exit code, or nil when a signal ended it or it never ran.
    public var exitCode: Int32?
    public var signal: Int32?

    public init(job: String, command: String, dueWallNs: Int64, record: RunRecord, exitCode: Int32?, signal: Int32?) {
        self.job = job; self.command = command; self.dueWallNs = dueWallNs; self.record = record
        self.exitCode = exitCode; self.signal = signal
    }
}

/// What a store kept of one job.
public struct StoredJob: Sendable, Equatable {
    public var name: String
    public var command: String
    /// The latest tick a run started for (wall clock, unix ns).
    public var lastDueWallNs: Int64?
    /// The highest run number on record: a restarted job numbers on from it.
    public var lastRun: Int
    /// Its newest runs, oldest first (at most `StateFile.keepRuns`); a run
    /// a crash cut off reads "interrupted …".
    public var runs: [RunRecord]

    public init(name: String, command: String, lastDueWallNs: Int64?, lastRun: Int, runs: [RunRecord]) {
        self.name = name; self.command = command; self.lastDueWallNs = lastDueWallNs; self.lastRun = lastRun; self.runs = runs
    }
}

/// A store that cannot be used, phrased for a person (one line).
public struct StoreError: Error, CustomStringConvertible, Equatable {
    public let description: String
    public init(_ line: String) { description = line }
}
