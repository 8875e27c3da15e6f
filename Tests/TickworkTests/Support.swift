import Foundation
@testable import Tickwork

/// A thread-safe list that job bodies append to.
final class Recorder<T: Sendable>: @unchecked Sendable {
    private let lock = Lock()
    private var items: [T] = []
    func add(_ x: T) { lock.withLock { items.append(x) } }
    var all: [T] { lock.withLock { items } }
    var count: Int { lock.withLock { items.count } }
}

/// A gate a job body can wait on until the test opens it (real threads).
final class Gate: @unchecked Sendable {
    private let lock = Lock()
    private let cond = Condition()
    private var open = false
    func wait() { lock.withLock { while !open { cond.wait(lock) } } }
    func release() { lock.withLock { open = true; cond.broadcast() } }
}

/// An engine driven by a manual clock with a fine timer (1 µs slots).
func manualEngine(workers: Int = 2, queues: [RunQueueConfig] = []) throws -> (Engine, ManualClock) {
    let clock = ManualClock()
    let engine = try Engine(EngineConfiguration(workers: workers, timerResolutionShift: 10, queues: queues, clock: clock))
    return (engine, clock)
}

extension Duration {
    static func ms(_ v: Int) -> Duration { .milliseconds(v) }
}

let msNs: Int64 = 1_000_000
let sNs: Int64 = 1_000_000_000

extension Engine {
    /// Every per-thread state tally, for failure messages.
    func debugTallies() -> String {
        var out = "control \(registryLock.withLock { controlTally.counts })\n"
        out += "timer \(timerStatsLock.withLock { timerTally.counts })\n"
        dispatch.lock.withLock {
            out += "retired \(retiredTally.counts)\n"
            for w in dispatch.workers { out += "w\(w.index) \(w.statsLock.withLock { w.tally.counts })\n" }
            for w in writtenOffWorkers { out += "off w\(w.index) \(w.statsLock.withLock { w.tally.counts })\n" }
        }
        return out
    }
}

/// A bare job record for tests of the wheel, the queues and the footprint.
func testJob(_ id: UInt64, priority: Int = 0, name: String? = nil) -> Job {
    Job(id: JobID(id), name: name ?? "j\(id)", groupIndex: 0, queueIndex: 0, kind: .once(after: 0),
        policy: JobPolicy(timeoutNs: 0, priority: priority, backoff: nil, maxConsecutiveFailures: 0, retries: 0, jitterNs: 0,
                          initialDelayNs: nil),
        body: { _ in })
}
