#if canImport(Glibc)
import Glibc
#endif
import CTickworkLinux

/// Facts about the calling OS thread.
enum ThreadInfo {
    /// The kernel thread id (what `top -H` and /proc/self/task show).
    static func currentTID() -> Int32 {
        Int32(ctw_gettid())
    }

    /// A clock id that reads the calling thread's CPU time from any thread.
    static func currentCPUClock() -> clockid_t? {
        var cid = clockid_t()
        return pthread_getcpuclockid(pthread_self(), &cid) == 0 ? cid : nil
    }

    /// CPU time (user+sys) in nanoseconds of the thread owning `clock`.
    /// The same counter as /proc/self/task/TID/stat, without opening a file.
    static func cpuNanoseconds(_ clock: clockid_t?) -> Int64 {
        guard let clock else { return 0 }
        var ts = timespec()
        guard clock_gettime(clock, &ts) == 0 else { return 0 }
        return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
    }

    /// Names the calling thread (seen in `top -H`, gdb, /proc).
    static func setName(_ name: String) {
        _ = ctw_set_thread_name(String(name.utf8.prefix(15)) ?? "tickwork")
    }

    /// Asks the kernel to wake the calling thread's timed waits with 1 ns of
    /// slack instead of the default 50 µs: the timer thread's wake-ups are
    /// its precision.
    static func minimiseTimerSlack() {
        _ = ctw_set_timer_slack(1)
    }
}

/// Starts a detached OS thread running `body` (the engine's threads, and the
/// dashboard's sampler, are started this way: no Foundation `Thread`).
public func startThread(name: String, _ body: @escaping @Sendable () -> Void) {
    final class Box: @unchecked Sendable { let body: @Sendable () -> Void; init(_ b: @escaping @Sendable () -> Void) { body = b } }
    let box = Unmanaged.passRetained(Box(body)).toOpaque()
    var attr = pthread_attr_t()
    pthread_attr_init(&attr)
    pthread_attr_setdetachstate(&attr, Int32(PTHREAD_CREATE_DETACHED))
    var thread = pthread_t()
    let rc = pthread_create(&thread, &attr, { raw in
        let box = Unmanaged<AnyObject>.fromOpaque(raw!).takeRetainedValue()
        (box as! Box).body()
        return nil
    }, box)
    pthread_attr_destroy(&attr)
    precondition(rc == 0, "pthread_create failed for \(name): \(rc)")
    _ = name
}
