#if canImport(Glibc)
import Glibc
#endif
import CTickworkLinux
import Foundation

/// One thread per process, blocked in `read` on a timerfd that the kernel
/// cancels whenever CLOCK_REALTIME is set or the machine resumes from
/// suspend (TFD_TIMER_CANCEL_ON_SET; `timerfd_resume` on resume). It then
/// calls every registered hook. Started with the first hook; it never
/// exits (it costs no CPU while blocked).
///
/// Threads: `add` from any thread; the watcher thread calls the hooks.
/// `lock` guards `hooks` and `started`.
final class WallClockWatcher: @unchecked Sendable {
    static let shared = WallClockWatcher()
    private let lock = Lock()
    private var hooks: [@Sendable () -> Bool] = []
    private var started = false

    func add(_ hook: @escaping @Sendable () -> Bool) {
        let start: Bool = lock.withLock {
            hooks.append(hook)
            defer { started = true }
            return !started
        }
        if start { startThread() }
    }

    private func startThread() {
        let fd = ctw_wall_watch_open()
        guard fd >= 0 else { return }   // no timerfd: cron then follows the clock only as runs end
        let thread = Thread { [self] in
            _ = ctw_set_thread_name("tickwork-wall")
            while ctw_wall_watch_wait(fd) == 1 { notify() }
        }
        thread.start()
    }

    private func notify() { Self.callKeepingWanted(&hooks, lock: lock) }

    /// Calls each hook outside `lock` and keeps those that return true;
    /// hooks added meanwhile stay, after the ones called. (The manual
    /// clock's wall hooks work the same way.)
    static func callKeepingWanted(_ hooks: inout [@Sendable () -> Bool], lock: Lock) {
        let current = lock.withLock { hooks }
        let wanted = current.map { $0() }
        lock.withLock { hooks = zip(current, wanted).filter(\.1).map(\.0) + hooks.dropFirst(current.count) }
    }
}
