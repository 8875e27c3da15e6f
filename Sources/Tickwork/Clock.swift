#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Where the engine's time comes from.
///
/// Every timing decision uses `now()` — monotonic nanoseconds — so nothing
/// drifts when the wall clock is changed. Only cron schedules look at the wall
/// clock (`wallNow()`), to find the next calendar instant, which is then turned
/// into a monotonic deadline.
public protocol EngineClock: AnyObject, Sendable {
    /// Monotonic time in nanoseconds.
    func now() -> Int64
    /// The wall-clock time that corresponds to `now()`.
    func wallNow() -> Date
    /// True for a clock that moves only when told (tests). The engine's threads
    /// then wait without a timeout and are woken by the clock's `onAdvance` hooks.
    var isManual: Bool { get }
    /// Registers a hook the clock calls (on the advancing thread) after time moved.
    func onAdvance(_ hook: @escaping @Sendable () -> Void)
    /// Registers a hook called when the wall clock moves against the
    /// monotonic one (set by hand or NTP, or a resume from suspend). The
    /// hook returns false once it is no longer wanted.
    func onWallChange(_ hook: @escaping @Sendable () -> Bool)
}

extension EngineClock {
    /// A clock that never reports wall-clock changes.
    public func onWallChange(_ hook: @escaping @Sendable () -> Bool) {}
}

/// CLOCK_MONOTONIC, read through the vDSO (about 20 ns a read).
public final class MonotonicClock: EngineClock {
    public static let shared = MonotonicClock()
    public init() {}

    @inline(__always)
    public func now() -> Int64 { monotonicNanoseconds() }
    public func wallNow() -> Date { Date() }
    public var isManual: Bool { false }
    public func onAdvance(_ hook: @escaping @Sendable () -> Void) {}
    public func onWallChange(_ hook: @escaping @Sendable () -> Bool) { WallClockWatcher.shared.add(hook) }
}

@inline(__always)
public func monotonicNanoseconds() -> Int64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Int64(ts.tv_sec) &* 1_000_000_000 &+ Int64(ts.tv_nsec)
}

/// A clock for tests: time stands still until `advance(by:)` or `advance(to:)`.
///
/// Thread-safety: `lock` guards `current` and `hooks`. Hooks run on the thread
/// that advances the clock, after the lock is released.
public final class ManualClock: EngineClock, @unchecked Sendable {
    private let lock = Lock()
    private var current: Int64
    private var wallEpoch: Date
    private var hooks: [@Sendable () -> Void] = []
    private var wallHooks: [@Sendable () -> Bool] = []

    /// - Parameters:
    ///   - start: the initial monotonic reading in nanoseconds.
    ///   - wall: the wall-clock time at `start` (for cron schedules).
    public init(start: Int64 = 1_000_000_000, wall: Date = Date(timeIntervalSince1970: 1_767_225_600)) {
        current = start
        wallEpoch = wall.addingTimeInterval(-Double(start) / 1e9)
    }

    public func now() -> Int64 { lock.withLock { current } }
    public func wallNow() -> Date { wallEpoch.addingTimeInterval(Double(now()) / 1e9) }
    public var isManual: Bool { true }

    public func onAdvance(_ hook: @escaping @Sendable () -> Void) {
        lock.withLock { hooks.append(hook) }
    }

    public func onWallChange(_ hook: @escaping @Sendable () -> Bool) {
        lock.withLock { wallHooks.append(hook) }
    }

    /// Sets the wall clock forward (or back, with a negative span) without
    /// moving the monotonic clock: `date -s`, an NTP step.
    public func jumpWall(by duration: Duration) {
        lock.withLock { wallEpoch = wallEpoch.addingTimeInterval(Double(duration.nanoseconds) / 1e9) }
        WallClockWatcher.callKeepingWanted(&wallHooks, lock: lock)
        for hook in lock.withLock({ hooks }) { hook() }
    }

    /// The machine sleeps for `duration`: the monotonic clock stops, the
    /// wall clock goes on (what Linux's CLOCK_MONOTONIC does in suspend).
    public func suspend(for duration: Duration) {
        jumpWall(by: duration)
    }

    public func advance(by duration: Duration) {
        advance(byNanoseconds: duration.nanoseconds)
    }

    public func advance(byNanoseconds ns: Int64) {
        precondition(ns >= 0, "a monotonic clock cannot go back")
        let toCall: [@Sendable () -> Void] = lock.withLock {
            current += ns
            return hooks
        }
        for hook in toCall { hook() }
    }

    public func advance(to instant: Int64) {
        let delta = instant - now()
        if delta > 0 { advance(byNanoseconds: delta) }
    }
}

extension Duration {
    /// Whole nanoseconds (truncated toward zero), saturating at Int64 bounds.
    public var nanoseconds: Int64 {
        let (s, atto) = components
        let (mul, o1) = s.multipliedReportingOverflow(by: 1_000_000_000)
        if o1 { return s < 0 ? .min : .max }
        let (sum, o2) = mul.addingReportingOverflow(atto / 1_000_000_000)
        if o2 { return s < 0 ? .min : .max }
        return sum
    }
}
