import Tickwork

/// What the model asks of the world after a key: the main loop hands engine
/// commands to the sampler thread (which applies them, so the main thread
/// never takes an engine lock) and handles the rest itself.
public enum DashboardCommand: Equatable, Sendable {
    case pause(JobID), resume(JobID), cancel(JobID)
    /// One run now, the schedule left as it was.
    case runNow(JobID)
    case pauseQueue(String), resumeQueue(String)
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
    /// The rows or the detail on view changed: sample now, not at the next tick.
    case resample
    /// Begin a graceful shutdown (the engine is given its deadline).
    case quit
    /// Leave now, abandoning running jobs.
    case forceQuit
    /// Repaint every cell (Ctrl-L).
    case redraw
    case setRefreshHz(Double)
    /// Stop the whole process (Ctrl-Z, confirmed); `fg` continues it.
    case suspend
}
