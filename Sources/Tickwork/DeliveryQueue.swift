/// Where a piece of work's completion waits for the thread that wants it:
/// the engine posts the callback here, from whichever engine thread saw the
/// work end, and the embedding program runs it by calling `drain()` from its
/// own main loop — the way a GUI toolkit hands a worker's result back to the
/// GUI thread by a queued signal. A callback never runs on an engine thread.
///
/// A main loop that polls descriptors gives `wake` (say, a write to its
/// pipe or eventfd); it is called when the queue goes from empty to not
/// empty, so a burst of completions costs one wake-up. A loop with nothing
/// else to do can block in `waitAndDrain(upTo:)` instead.
///
/// Threads: `post` from any thread; `drain` and `waitAndDrain` from the
/// owning loop (any one thread at a time; the callbacks run on it).
/// `lock` guards `pending`.
public final class DeliveryQueue: @unchecked Sendable {
    private let lock = Lock()
    private let posted = Condition()
    private var pending: [@Sendable () -> Void] = []
    private let wake: (@Sendable () -> Void)?

    public init(wake: (@Sendable () -> Void)? = nil) { self.wake = wake }

    /// Callbacks waiting for the next drain.
    public var count: Int { lock.withLock { pending.count } }

    /// Queues a callback for the owning loop. Never runs it.
    public func post(_ callback: @escaping @Sendable () -> Void) {
        lock.lock()
        let wasEmpty = pending.isEmpty
        pending.append(callback)
        posted.broadcast()
        lock.unlock()
        if wasEmpty { wake?() }
    }

    /// Runs every callback waiting, oldest first, on the calling thread;
    /// returns how many ran. Callbacks posted while it runs wait for the
    /// next drain (a callback that submits more work cannot starve the loop).
    @discardableResult
    public func drain() -> Int {
        let batch: [@Sendable () -> Void] = lock.withLock {
            let taken = pending
            pending.removeAll(keepingCapacity: true)
            return taken
        }
        for callback in batch { callback() }
        return batch.count
    }

    /// Waits up to `timeout` (real time) for a callback, then drains.
    /// Returns how many ran (0: none came in time).
    @discardableResult
    public func waitAndDrain(upTo timeout: Duration) -> Int {
        let deadline = monotonicNanoseconds() + Swift.max(0, timeout.nanoseconds)
        lock.lock()
        while pending.isEmpty {
            if !posted.wait(lock, untilMonotonicNs: deadline) && monotonicNanoseconds() >= deadline { break }
        }
        lock.unlock()
        return drain()
    }
}
