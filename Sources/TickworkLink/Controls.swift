import TickworkModel

/// A control's answer: whether it changed anything, and a line for the person.
public typealias ControlReply = (changed: Bool, message: String)

/// What the dashboard needs of whoever runs the demos: the menu's list,
/// the figures panels, and launch and stop by name (each returns a line
/// saying what happened). Called on the sampler thread, never the main one.
public struct DemoControls: Sendable {
    public var catalog: [DemoListing]
    public var panels: @Sendable () -> [DemoPanel]
    public var launch: @Sendable (String) -> ControlReply
    public var stop: @Sendable (String) -> ControlReply
    public init(catalog: [DemoListing] = [], panels: @escaping @Sendable () -> [DemoPanel] = { [] },
                launch: @escaping @Sendable (String) -> ControlReply = { (false, "no demos here: \($0)") },
                stop: @escaping @Sendable (String) -> ControlReply = { (false, "no demos here: \($0)") }) {
        self.catalog = catalog; self.panels = panels; self.launch = launch; self.stop = stop
    }
}

/// The controls a task's keys send that a cluster takes over.
public enum JobControlVerb: String, Sendable { case pause, resume, cancel }

/// What the dashboard needs of whoever runs command jobs (a job file): a
/// job's recent runs and output, killing the process group it runs now,
/// and reloading the file. Each returns a line saying what happened.
/// Called on the sampler thread, never the main one.
public struct CommandControls: Sendable {
    public var history: @Sendable (JobID) -> RunHistory?
    public var kill: @Sendable (JobID) -> ControlReply
    public var stop: @Sendable (JobID) -> ControlReply
    /// nil: no job file, nothing to reload.
    public var reload: (@Sendable () -> ControlReply)?
    /// Asked first for a task's pause, resume and cancel: a cluster node
    /// acts on the task's job in the whole cluster, by name. A nil reply
    /// leaves the command to the engine.
    public var jobControl: (@Sendable (JobControlVerb, JobID) -> ControlReply?)? = nil
    public init(history: @escaping @Sendable (JobID) -> RunHistory? = { _ in nil },
                kill: @escaping @Sendable (JobID) -> ControlReply = { _ in (false, "no command jobs here") },
                stop: @escaping @Sendable (JobID) -> ControlReply = { _ in (false, "no command jobs here") },
                reload: (@Sendable () -> ControlReply)? = nil) {
        self.history = history; self.kill = kill; self.stop = stop; self.reload = reload
    }
}
