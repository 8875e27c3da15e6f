/// What a worker thread is doing, as the threads panel shows it.
public enum WorkerPhase: String, Sendable, Codable, CaseIterable {
    case idle, running, sleeping
    /// Inside a run, blocked on something outside the engine (a lock, a
    /// semaphore, a full queue): `JobContext.waiting(on:_:)`.
    case waiting
    /// Written off: its run outlived the timeout; the thread still exists
    /// (threads cannot be killed) and ends when the run returns.
    case stuck
}

