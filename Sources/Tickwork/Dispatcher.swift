import Synchronization

/// The run queues and the pool's idle workers: where the timer hands runs
/// over and where workers pick them up.
///
/// Thread-safety: `lock` guards every `var`, and each worker's `wakeCondition`
/// waits with it. Held only for queue operations, never across a job's body.
final class Dispatcher: @unchecked Sendable {
    let lock = Lock()
    @exclusivity(unchecked) var queues: [RunQueue]
    @exclusivity(unchecked) var queueIndexByName: [String: Int]
    /// Live workers (written-off and retired ones are gone from here).
    @exclusivity(unchecked) var workers: [Worker] = []
    /// Idle workers, most recently idle last (woken first: its cache is warm).
    @exclusivity(unchecked) var idle: [Worker] = []
    @exclusivity(unchecked) var targetWorkers: Int
    @exclusivity(unchecked) var stopping = false
    /// A hint, read without the due lock: an idle worker holds the sweeping
    /// duty (the truth is `DueIndex.sweeper`, under the due lock).
    let hasSweeper = Atomic<Bool>(false)
    /// Workers inside a job's `ctx.sleep`: busy, yet draining no queue. An
    /// atomic, so a sleep never takes this lock just to say so.
    let sleepingInJobs = Atomic<Int>(0)
    @exclusivity(unchecked) private var cursor = 0
    @exclusivity(unchecked) private var credit = 0
    @exclusivity(unchecked) private var seq: UInt64 = 0
    /// The latency a batch of runs should start within; sets how many
    /// workers a batch wakes.
    let targetLatencyNs: Double

    init(queues configs: [RunQueueConfig], targetWorkers: Int, targetLatencyNs: Double) {
        queues = configs.map(RunQueue.init(config:))
        queueIndexByName = Dictionary(configs.enumerated().map { ($1.name, $0) }, uniquingKeysWith: { a, _ in a })
        self.targetWorkers = targetWorkers
        self.targetLatencyNs = targetLatencyNs
    }

    /// The index of queue `name`, creating it with defaults if new. Lock held.
    func queueIndexLocked(_ name: String) -> Int {
        if let i = queueIndexByName[name] { return i }
        queues.append(RunQueue(config: RunQueueConfig(checkedName: name)))
        queueIndexByName[name] = queues.count - 1
        return queues.count - 1
    }

    func addQueue(_ config: RunQueueConfig) -> Bool {
        lock.withLock {
            guard queueIndexByName[config.name] == nil else { return false }
            queues.append(RunQueue(config: config))
            queueIndexByName[config.name] = queues.count - 1
            return true
        }
    }

    /// Queues `items` (runs for `jobs`); returns the runs refused or evicted
    /// by full queues. Wakes as many idle workers as the backlog needs.
    func enqueue(_ jobs: ContiguousArray<(job: Job, due: Int64)>, now: Int64, refused: inout [RunItem]) {
        lock.lock()
        if stopping {
            // Shut down while the timer was sweeping: nothing may start now.
            for (job, due) in jobs { refused.append(RunItem(job: job, due: due, enqueuedNs: now, seq: 0, priority: 0)) }
            lock.unlock()
            return
        }
        for (job, due) in jobs {
            seq &+= 1
            let item = RunItem(job: job, due: due, enqueuedNs: now, seq: seq, priority: job.policy.priority)
            if let out = queues[Int(job.queueIndex)].push(item) { refused.append(out) }
        }
        wakeForBacklogLocked()
        lock.unlock()
    }

    /// Estimated workers needed to start the queued runs within the target
    /// latency, given each queue's smoothed run time.
    func workersNeededLocked() -> Int { Int(backlogNsLocked() / targetLatencyNs).advanced(by: 1) }

    /// Estimated time to run everything queued, on one worker, in ns.
    func backlogNsLocked() -> Double {
        var work = 0.0
        for q in queues where !q.paused && !q.isEmpty { work += Double(q.depth) * q.meanRunNs }
        return work
    }

    func wakeForBacklogLocked() {
        guard !idle.isEmpty || hasSweeper.load(ordering: .relaxed) else { return }
        var backlog = false
        for q in queues where !q.paused && !q.isEmpty { backlog = true; break }
        guard backlog else { return }
        // Workers not idle (running, or woken and on their way) drain the
        // queues too; wake only what the backlog needs beyond them. The
        // sweeping worker is idle, though not in `idle`; a worker sleeping
        // inside a job drains nothing until its job wakes.
        let sweeping = hasSweeper.load(ordering: .relaxed)
        let awake = workers.count - idle.count - (sweeping ? 1 : 0) - sleepingInJobs.load(ordering: .relaxed)
        var want = workersNeededLocked() - awake
        while want > 0, let w = idle.popLast() {
            w.inIdleList = false
            w.wakeCondition.signal()
            want -= 1
        }
        if want > 0 && sweeping { pokeSweeper?() }
    }

    /// Set by the engine: calls the sweeping worker back to take work.
    /// Called with this lock held.
    @exclusivity(unchecked) var pokeSweeper: (() -> Void)?

    /// The next run to start, serving queues in weighted round robin so a
    /// flood in one queue cannot starve another. Lock held.
    func popLocked() -> RunItem? {
        let n = queues.count
        guard n > 0 else { return nil }
        for _ in 0..<(n + 1) {
            if cursor >= n { cursor = 0 }
            if credit > 0, !queues[cursor].paused, let item = queues[cursor].pop() {
                credit -= 1
                return item
            }
            cursor += 1
            if cursor >= n { cursor = 0 }
            credit = queues[cursor].config.weight
        }
        return nil
    }

    /// Folds a finished run's duration into its queue's estimate. Lock held.
    func noteRunLocked(queue: Int, durationNs: Int64) {
        guard queue < queues.count else { return }
        queues[queue].meanRunNs = queues[queue].meanRunNs * 0.9 + Double(durationNs) * 0.1
    }
}
