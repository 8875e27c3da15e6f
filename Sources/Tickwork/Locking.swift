#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A plain pthread mutex.
///
/// Why not `Synchronization.Mutex`: on Linux it gives ThreadSanitizer false
/// positives (see DECISIONS.md), and the engine keeps "TSan clean" as a hard gate.
/// The mutex lives in its own allocation so its address never moves.
public final class Lock: @unchecked Sendable {
    let mutex: UnsafeMutablePointer<pthread_mutex_t>

    public init() {
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        let rc = pthread_mutex_init(mutex, nil)
        precondition(rc == 0, "pthread_mutex_init failed: \(rc)")
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    @inline(__always) public func lock() { pthread_mutex_lock(mutex) }
    @inline(__always) public func unlock() { pthread_mutex_unlock(mutex) }

    @inline(__always)
    public func withLock<T>(_ body: () throws -> T) rethrows -> T {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body()
    }
}

/// A condition variable whose timed waits use CLOCK_MONOTONIC, so a change of
/// the wall clock never stretches or shortens a wait.
public final class Condition: @unchecked Sendable {
    private let cond: UnsafeMutablePointer<pthread_cond_t>

    public init() {
        cond = .allocate(capacity: 1)
        cond.initialize(to: pthread_cond_t())
        var attr = pthread_condattr_t()
        pthread_condattr_init(&attr)
        #if os(Linux)
        pthread_condattr_setclock(&attr, CLOCK_MONOTONIC)
        #endif
        pthread_cond_init(cond, &attr)
        pthread_condattr_destroy(&attr)
    }

    deinit {
        pthread_cond_destroy(cond)
        cond.deallocate()
    }

    /// Waits until signalled; `lock` must be held and is held again on return.
    @inline(__always) public func wait(_ lock: Lock) { pthread_cond_wait(cond, lock.mutex) }

    /// Waits until signalled or until the monotonic instant `deadlineNs`.
    /// Returns false on timeout.
    @discardableResult
    public func wait(_ lock: Lock, untilMonotonicNs deadlineNs: Int64) -> Bool {
        var ts = timespec(tv_sec: Int(deadlineNs / 1_000_000_000), tv_nsec: Int(deadlineNs % 1_000_000_000))
        return pthread_cond_timedwait(cond, lock.mutex, &ts) == 0
    }

    @inline(__always) public func signal() { pthread_cond_signal(cond) }
    @inline(__always) public func broadcast() { pthread_cond_broadcast(cond) }
}
