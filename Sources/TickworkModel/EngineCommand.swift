/// What a person (a dashboard's key, a script) asks of an engine. A plain
/// value, so the same command travels in this process or over a socket.
public enum EngineCommand: Sendable, Equatable, Codable {
    case pause(JobID), resume(JobID), cancel(JobID)
    /// One run now, the schedule left as it was.
    case runNow(JobID)
    case pauseQueue(String), resumeQueue(String)
    /// Pause every task (runs in flight pause when they end); `resumeAll` resumes exactly those.
    case pauseAll, resumeAll
    case setWorkers(Int)
    /// Start the named demo / stop it (its jobs cancelled as a group).
    case launchDemo(String), stopDemo(String)
    /// Kill the process group a command job is running now (SIGKILL).
    case killRun(JobID)
    /// Stop (SIGSTOP) the process group a paused command job is running,
    /// until the job is resumed.
    case stopRun(JobID)
    /// Read the job file again and apply what changed.
    case reloadJobFile
}

/// What became of a command: whether it changed anything, and a line for
/// the person naming what it acted on ("paused object-3 (#3)", "object-3
/// (#3): nothing to pause, it is retired").
public struct CommandOutcome: Sendable, Equatable, Codable {
    public var command: EngineCommand
    /// False when nothing changed or the command was refused.
    public var changed: Bool
    /// Nil when there is nothing to say (a queue paused: its row shows it).
    public var message: String?
    public init(command: EngineCommand, changed: Bool, message: String?) {
        self.command = command; self.changed = changed; self.message = message
    }
}
