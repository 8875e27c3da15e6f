/// What one run of a job did, as the views read it: when it started, how
/// long it took, how it ended and what it printed. A plain value; the
/// engine does not keep these itself (a command job's runner does).
public struct RunRecord: Sendable, Equatable, Codable {
    public var run: Int
    /// 0 for a tick's first run, n for its n-th retry.
    public var retry: Int = 0
    /// Wall clock, unix nanoseconds.
    public var startWallNs: Int64
    public var durationNs: Int64
    /// "exit 0", "exit 3: boom", "killed by SIGKILL after timeout 1s".
    public var outcome: String
    public var failed: Bool
    /// The kept output (head and tail, a marked gap between them), or nil
    /// once the record is old enough to have given its output back.
    public var stdout: String?
    public var stderr: String?
    /// Bytes written, kept or not.
    public var stdoutBytes: Int
    public var stderrBytes: Int
    /// True when bytes between the head and the tail were dropped.
    public var truncated: Bool

    public init(run: Int, startWallNs: Int64, durationNs: Int64, outcome: String, failed: Bool,
                stdout: String?, stderr: String?, stdoutBytes: Int, stderrBytes: Int, truncated: Bool) {
        self.run = run; self.startWallNs = startWallNs; self.durationNs = durationNs; self.outcome = outcome
        self.failed = failed; self.stdout = stdout; self.stderr = stderr
        self.stdoutBytes = stdoutBytes; self.stderrBytes = stderrBytes; self.truncated = truncated
    }
}

/// A command job's recent runs, newest last, and the process running now.
public struct RunHistory: Sendable, Equatable, Codable {
    /// The command line as a person reads it.
    public var command: String
    public var runs: [RunRecord]
    /// The leader (and group) of the run in progress, if one is.
    public var runningPid: Int32?
    public var runningSinceWallNs: Int64?

    public init(command: String, runs: [RunRecord] = [], runningPid: Int32? = nil,
                runningSinceWallNs: Int64? = nil) {
        self.command = command; self.runs = runs; self.runningPid = runningPid
        self.runningSinceWallNs = runningSinceWallNs
    }
}
