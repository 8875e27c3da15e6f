import Tickwork

/// The pieces several demos share: seeded random draws any thread may
/// take, a monitor to build blocking primitives on, and small formatting.

/// A seeded generator behind a lock: the same seed draws the same sequence,
/// whichever worker threads take the draws. Threads: any.
final class DemoRandom: @unchecked Sendable {
    private let lock = Lock()
    private var rng: SplitMix64   // guarded by `lock`

    /// `seed` nil: a fresh one each run.
    init(seed: UInt64?) { rng = SplitMix64(seed: seed ?? UInt64.random(in: 0...UInt64.max)) }

    /// Uniform in [0, 1).
    func unit() -> Double { lock.withLock { rng.unit() } }
    /// Uniform in `range`.
    func double(_ range: ClosedRange<Double>) -> Double {
        range.lowerBound + (range.upperBound - range.lowerBound) * unit()
    }
    /// Uniform in `range`.
    func int(_ range: ClosedRange<Int>) -> Int {
        range.lowerBound + Int(lock.withLock { rng.next() } % UInt64(range.count))
    }
    /// A whole number of milliseconds, uniform in `range`.
    func milliseconds(_ range: ClosedRange<Int>) -> Duration { .milliseconds(Int64(int(range))) }
}

/// A lock and a condition: the monitor the demos' blocking primitives (the
/// pipeline's queue, the semaphore, gate, barrier and handoff) are built on.
/// Threads: any. The closures passed in run with the lock held; the state
/// they touch is guarded by it.
final class Monitor: @unchecked Sendable {
    private let lock = Lock()
    private let changed = Condition()

    /// Reads under the lock.
    func read<T>(_ body: () -> T) -> T { lock.withLock(body) }

    /// Runs `body` under the lock and wakes every waiter (the state may have changed).
    @discardableResult
    func update<T>(_ body: () -> T) -> T {
        lock.lock(); defer { lock.unlock() }
        let result = body()
        changed.broadcast()
        return result
    }

    /// Waits until `ready()` holds, then runs `then` (both under the lock,
    /// waking the other waiters) and returns true; returns false as soon as
    /// `giveUp()` does. Waits wake at once on a change, and every 50 ms to
    /// ask `giveUp` (a cancelled job: the engine cannot interrupt this wait).
    func wait(until ready: () -> Bool, unless giveUp: () -> Bool, then: () -> Void = {}) -> Bool {
        lock.lock(); defer { lock.unlock() }
        while !ready() {
            if giveUp() { return false }
            _ = changed.wait(lock, untilMonotonicNs: monotonicNanoseconds() + 50_000_000)
        }
        then()
        changed.broadcast()
        return true
    }
}

/// The jobs of `group` that have not ended (retired or cancelled; a failed
/// job that will run again counts as ended here only when it gave up).
func liveJobCount(of group: String, in engine: Engine) -> Int {
    engine.jobs(JobQuery(states: liveStates, group: group, limit: 0)).matching
}

private let liveStates = Set(JobState.allCases.filter { !$0.isFinal && $0 != .failed })

/// Two decimals, without Foundation.
func format2(_ v: Double) -> String {
    guard v.isFinite else { return "\(v)" }
    let r = (v * 100).rounded() / 100
    let whole = Int(r)
    let frac = Int(((r - Double(whole)) * 100).rounded().magnitude)
    return "\(r < 0 && whole == 0 ? "-" : "")\(whole).\(frac < 10 ? "0" : "")\(frac)"
}
