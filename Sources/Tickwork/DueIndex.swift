/// The timer wheel together with the bookkeeping that must change with it
/// atomically.
///
/// Thread-safety: `lock` guards every `var`. The timer thread holds it while
/// collecting due jobs; workers take it once per run to put the job back and
/// to close the run's in-flight count; control calls take it to insert.
final class DueIndex: @unchecked Sendable {
    let lock = Lock()
    /// The timer thread waits on this (with `lock`).
    let timerCondition = Condition()
    /// `settle()` waits on this (with `lock`).
    let settleCondition = Condition()

    let wheel: TimerWheel
    /// Runs taken from the wheel and not finished (runs asleep in their
    /// context do not count). With a manual clock, zero in-flight runs and no
    /// due entry mean the engine has nothing left to do until time moves.
    @exclusivity(unchecked) var inFlight = 0
    /// The earliest instant some thread will sweep the wheel by itself (the
    /// sweeping worker, or else the timer thread); an insert due earlier
    /// wakes them (Int64.max: nobody plans to).
    @exclusivity(unchecked) var timerWakesAt: Int64 = .max
    /// When the timer thread itself plans to wake.
    @exclusivity(unchecked) var timerPlannedWake: Int64 = .max
    /// The idle worker that holds the sweeping duty, if any (see
    /// `Engine.sweepAsIdleWorker`). The timer thread does not sweep meanwhile.
    @exclusivity(unchecked) var sweeper: Worker?

    @exclusivity(unchecked) var settleWaiters = 0
    @exclusivity(unchecked) var stopping = false
    /// Workers asleep inside a run's context (`JobContext.sleep`).
    @exclusivity(unchecked) var sleepers: [Worker] = []
    /// Workers inside `JobContext.waiting(on:_:)`: like sleepers, they do
    /// not count as in flight (they wait on the jobs' own primitives).
    @exclusivity(unchecked) var waiters = 0

    /// The wheel's slot width (immutable, readable without the lock).
    let resolutionNs: Int64

    init(shift: Int, now: Int64) {
        wheel = TimerWheel(shift: shift, now: now)
        resolutionNs = Int64(1) << Int64(shift)
    }

    /// Inserts with the lock held; wakes the timer if this entry is due
    /// before it planned to wake.
    @inline(__always)
    func insertLocked(_ job: Job, due: Int64) {
        wheel.insert(job, due: due)
        wakeSweeperLocked(forDue: due)
    }

    /// Inserts many entries with the lock held (see `TimerWheel.insert(contentsOf:)`).
    func insertLocked(contentsOf entries: ContiguousArray<(job: Job, due: Int64)>) {
        guard !entries.isEmpty else { return }
        wheel.insert(contentsOf: entries)
        var earliest = Int64.max
        for e in entries where e.due < earliest { earliest = e.due }
        wakeSweeperLocked(forDue: earliest)
    }

    /// Wakes whoever sweeps if an entry due at `due` fires before they
    /// planned to wake. Lock held.
    @inline(__always)
    private func wakeSweeperLocked(forDue due: Int64) {
        let wakeAt = ((due >> wheel.shift) + 1) << wheel.shift
        if wakeAt < timerWakesAt {
            timerWakesAt = wakeAt
            // The timer thread and a sweeping worker may both be waiting.
            timerCondition.broadcast()
        }
    }

    /// Closes `n` in-flight runs, with the lock held.
    @inline(__always)
    func finishLocked(_ n: Int) {
        inFlight -= n
        if inFlight == 0 && settleWaiters > 0 { settleCondition.broadcast() }
    }
}
