/// What a job's body gets for one run: who it is, whether it was cancelled,
/// and ways to report progress, log, and sleep without blocking cancel.
///
/// A context is valid during its run only. Its methods may be called from the
/// run's own thread (the worker); they never wait on another job.
public struct JobContext: @unchecked Sendable {
    let engine: Engine
    let job: Job
    let worker: Worker
    /// The due time of this run (monotonic ns): lateness = start − due.
    public let dueNs: Int64
    /// 1 for the job's first run.
    public let run: Int
    /// When this run started (monotonic ns).
    public let startNs: Int64
    /// 0 for a tick's first run; n for its n-th retry (`JobSpec.retries`).
    public let retry: Int
    /// The due time of the tick this run belongs to (monotonic ns): a
    /// retry's is the failed tick's, not its own `dueNs`.
    public let tickDueNs: Int64

    init(engine: Engine, job: Job, worker: Worker, due: Int64, run: Int, startNs: Int64, retry: Int, tickDue: Int64) {
        self.engine = engine; self.job = job; self.worker = worker
        self.dueNs = due; self.run = run; self.startNs = startNs
        self.retry = retry; self.tickDueNs = tickDue
    }

    public var jobID: JobID { job.id }
    /// The pool worker running this run (stable for the run; a replacement
    /// worker gets a new index). Handy for per-thread accumulators.
    public var workerIndex: Int { Int(worker.index) }
    public var name: String { job.name }
    /// The engine's clock (monotonic ns).
    public func now() -> Int64 { engine.clock.now() }

    /// True once the job was cancelled, the engine is shutting down, or this
    /// run outlived its timeout. A cooperative body checks it and returns.
    public var isCancelled: Bool {
        engine.stripes[job.stripe].withLock {
            job.state == .cancelling || job.state == .cancelled || (job.stuck && job.worker == worker.index)
        } || engine.isShuttingDown
    }

    /// Reports progress (0…1, clamped) and an optional short status text.
    public func progress(_ fraction: Double, status: String? = nil) {
        let f = Swift.min(1, Swift.max(0, fraction.isNaN ? 0 : fraction))
        engine.stripes[job.stripe].withLock {
            let e = job.extrasForWriting
            e.progress = f
            if let status { e.statusText = status }
        }
    }

    /// Sets the status text alone.
    public func status(_ text: String) {
        engine.stripes[job.stripe].withLock { job.extrasForWriting.statusText = text }
    }

    /// Appends a line to the job's recent log (kept: the last 32 lines).
    public func log(_ text: String) {
        let line = LogLine(atNs: now(), run: run, text: text)
        engine.stripes[job.stripe].withLock {
            let e = job.extrasForWriting
            e.logLines.append(line)
        }
    }

    /// True while a person has paused the job during this run: the run goes
    /// on, and the job pauses when it returns (a command job may stop its
    /// process meanwhile).
    public var isPausePending: Bool {
        engine.stripes[job.stripe].withLock { job.pauseAfterRun }
    }

    /// True once this run outlived its timeout: it was reported stuck and its
    /// worker written off (`isCancelled` is then true as well).
    public var isPastTimeout: Bool {
        engine.stripes[job.stripe].withLock { job.stuck && job.worker == worker.index }
    }

    /// Runs `body`, a wait on something outside the engine (a lock, a
    /// semaphore, a slot in a full queue), with this run's thread shown as
    /// `waiting` on `what`. Meanwhile the engine counts the worker like one
    /// asleep in its job: other workers take the queued runs, and a manual
    /// clock's `settle()` does not wait for it. The engine cannot interrupt a
    /// wait it does not own, so wait in short slices and check `isCancelled`.
    public func waiting<T>(on what: String, _ body: () throws -> T) rethrows -> T {
        engine.beginWait(worker: worker, on: what)
        defer { engine.endWait(worker: worker) }
        return try body()
    }

    /// What comes next: run again `delay` after this run ends, once, in place
    /// of the schedule (an adaptive job keeps the delay for its later runs).
    /// The last decision a run makes counts; a run that fails is retried or
    /// rescheduled by its policy instead.
    public func runAgain(after delay: Duration) { decide(.again(after: delay)) }

    /// This job is done: it retires when this run ends (unless the run fails).
    public func retire() { decide(.retire) }

    /// Recorded against this run on its worker: a context kept past its run
    /// cannot decide for the worker's next one. The run's own thread only.
    private func decide(_ d: RunDecision) {
        worker.decision = d
        worker.decisionFor = (job.id, run)
    }

    /// Sleeps for `duration` of the engine's clock, or until the job is
    /// cancelled. The job shows as `sleeping` meanwhile. Returns false if it
    /// was woken by cancellation (the body should then return).
    @discardableResult
    public func sleep(for duration: Duration) -> Bool {
        engine.sleep(job: job, worker: worker, nanoseconds: duration.nanoseconds)
    }
}
