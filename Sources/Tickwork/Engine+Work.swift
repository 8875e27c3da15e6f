/// One-off work with a completion callback delivered on the thread that
/// wants it (issue 13; Fandango's WorkerThread, Qt's queued signals): the
/// work runs on a worker like any job; its end — a value, a failure, a
/// cancel — is posted to a `DeliveryQueue` the embedding program drains
/// from its own main loop. The callback never runs on a worker.
extension Engine {
    /// Submits `work` to run once, now, through `queue`, and `completion`
    /// to hear how it ended, exactly once, on whichever thread drains
    /// `delivery`:
    /// - `.success(value)`: the work returned `value`;
    /// - `.failure(error)`: it threw, outlived `timeout` (`error.timedOut`;
    ///   delivered at the timeout, the run written off), or its queue was full;
    /// - `.cancelled`: cancelled (`cancel(id)`, its group) before or while it
    ///   ran, or the engine shut down first.
    /// The job shows in every view under `name` and `group`. Throws as
    /// `submit` does (a bad name or timeout, an unknown queue, shutdown).
    @discardableResult
    public func submitWork<Value: Sendable>(
        name: String, group: String = "work", queue: String = RunQueueConfig.defaultName, timeout: Duration? = nil,
        deliverOn delivery: DeliveryQueue,
        _ work: @escaping @Sendable (JobContext) throws -> Value,
        completion: @escaping @Sendable (WorkResult<Value>) -> Void
    ) throws -> JobID {
        let slot = WorkValue<Value>()
        let ending = WorkCompletion { state, error in
            let result: WorkResult<Value>
            switch state {
            case .retired: result = slot.take().map { .success($0) } ?? .cancelled
            case .failed: result = .failure(error ?? RunError(message: "failed", atNs: 0, run: 0, timedOut: false))
            default: result = .cancelled
            }
            delivery.post { completion(result) }
        }
        var spec = JobSpec(name: name, group: group, queue: queue, schedule: .once(after: .zero), timeout: timeout,
                           backoff: nil) { ctx in
            let value = try work(ctx)
            slot.store(value)
            ctx.retire()
        }
        spec.completion = ending
        return try submit(spec)
    }

    /// Work submitted with a completion and not yet delivered. Registry
    /// lock held.
    func registerWorkLocked(_ job: Job, _ completion: WorkCompletion) {
        // Before the job is in the wheel: no other thread can see it yet.
        job.extrasForWriting.completion = completion
        pendingWork[job.id] = completion
    }

    /// Delivers a piece of work's end (once; a later call does nothing).
    /// No lock held.
    func deliverWork(_ id: JobID, _ completion: WorkCompletion, state: JobState, error: RunError?) {
        registryLock.withLock { _ = pendingWork.removeValue(forKey: id) }
        completion.finish(state, error: error)
    }

    /// At the end of shutdown: every piece of work not yet delivered is
    /// cancelled (it was queued, still waiting, or its run was abandoned).
    func cancelUndeliveredWork() {
        let rest = registryLock.withLock {
            let taken = pendingWork
            pendingWork.removeAll()
            return taken
        }
        for (_, completion) in rest.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
            completion.finish(.cancelled, error: nil)
        }
    }
}

/// How a piece of work ended, as its completion hears it.
public enum WorkResult<Value: Sendable>: Sendable {
    case success(Value)
    /// It threw, outlived its timeout (`timedOut`), or its queue was full.
    case failure(RunError)
    /// Cancelled before or while it ran, or the engine shut down first.
    case cancelled
}

extension WorkResult: Equatable where Value: Equatable {}

/// A piece of work's end, delivered once: the first `finish` posts the
/// callback (built by `submitWork`, which knows the value's type), later
/// ones do nothing — a run written off at its timeout may still return.
///
/// Threads: `finish` from any engine thread; `lock` guards `delivered`.
final class WorkCompletion: @unchecked Sendable {
    private let lock = Lock()
    private var delivered = false
    private let deliver: @Sendable (JobState, RunError?) -> Void

    init(deliver: @escaping @Sendable (JobState, RunError?) -> Void) { self.deliver = deliver }

    func finish(_ state: JobState, error: RunError?) {
        let first: Bool = lock.withLock {
            defer { delivered = true }
            return !delivered
        }
        if first { deliver(state, error) }
    }
}

/// The value a piece of work returned, from its worker to its completion.
/// Threads: `store` on the worker, `take` on the thread that delivers;
/// `lock` guards `value`.
final class WorkValue<Value: Sendable>: @unchecked Sendable {
    private let lock = Lock()
    private var value: Value?

    func store(_ v: Value) { lock.withLock { value = v } }
    func take() -> Value? { lock.withLock { defer { value = nil }; return value } }
}
