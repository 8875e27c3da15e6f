import TickworkModel

/// What the model asks of the world after a key: the main loop hands engine
/// commands to the sampler thread (which applies them, so the main thread
/// never takes an engine lock) and handles the rest itself.
public enum DashboardCommand: Equatable, Sendable {
    /// Carried to the engine by the sampler thread; its outcome comes back in a frame.
    case engine(EngineCommand)
    /// The rows or the detail on view changed: sample now, not at the next tick.
    case resample
    /// Begin a graceful shutdown (the engine is given its deadline).
    case quit
    /// Leave now, abandoning running jobs.
    case forceQuit
    /// Attached: leave the server running and end this dashboard.
    case detach
    /// Attached: connect to the server again (after it went away).
    case reconnect
    /// Repaint every cell (Ctrl-L).
    case redraw
    case setRefreshHz(Double)
    /// Stop the whole process (Ctrl-Z, confirmed); `fg` continues it.
    case suspend
}
