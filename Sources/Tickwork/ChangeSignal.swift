import Synchronization

/// Wakes threads that wait for the engine to change: an event recorded, a
/// worker's phase changed, a thread left the pool, runs were queued. A
/// reader re-checks what it waits for after each wake, so it needs no
/// polling and no knowledge of thread timing.
///
/// Threads: `notify` from any engine thread, after the change it reports
/// (it costs one atomic load while nobody waits); `wait` from any other.
/// `lock` guards `generation`.
final class ChangeSignal: @unchecked Sendable {
    private let lock = Lock()
    private let condition = Condition()
    @exclusivity(unchecked) private var generation: UInt64 = 0
    private let waiters = Atomic<Int>(0)

    /// Reports a change (already made and visible under its own lock).
    @inline(__always) func notify() {
        // Sequentially consistent with the waiter's increment: either it
        // sees this change when it checks, or this sees it waiting.
        guard waiters.load(ordering: .sequentiallyConsistent) > 0 else { return }
        lock.withLock {
            generation &+= 1
            condition.broadcast()
        }
    }

    /// Returns true as soon as `check` holds, checking again after every
    /// change, or false if it still does not at `deadline` (monotonic ns).
    func wait(untilMonotonicNs deadline: Int64, _ check: () -> Bool) -> Bool {
        waiters.add(1, ordering: .sequentiallyConsistent)
        defer { waiters.subtract(1, ordering: .sequentiallyConsistent) }
        while true {
            let seen = lock.withLock { generation }
            if check() { return true }
            lock.lock()
            while generation == seen {
                if !condition.wait(lock, untilMonotonicNs: deadline) && monotonicNanoseconds() >= deadline {
                    lock.unlock()
                    return check()
                }
            }
            lock.unlock()
        }
    }
}

extension Engine {
    /// Blocks until `check` holds, checking it again whenever the engine
    /// changes (an event, a worker's phase, a thread leaving, runs queued),
    /// for at most `within` of real time. Returns whether it held. For tests
    /// and tools that wait on real threads; never call it from a job.
    public func waitForChange(within: Duration, until check: () -> Bool) -> Bool {
        changes.wait(untilMonotonicNs: monotonicNanoseconds() + within.nanoseconds, check)
    }

    /// Events after sequence number `after`, waiting up to `waitingUpTo`
    /// for the first one if there is none yet (an empty batch then).
    public func events(after: UInt64, limit: Int = 1000, waitingUpTo: Duration) -> EventBatch {
        _ = waitForChange(within: waitingUpTo) { events.lastSeq > after }
        return events(after: after, limit: limit)
    }
}
