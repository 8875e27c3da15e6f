import Foundation
import Synchronization
import Testing
@testable import Tickwork

/// Real threads, real time, chaos: the invariants must hold whatever happens.
@Suite("Stress")
struct StressTests {
    /// Per-job facts the bodies record; slot i belongs to job i.
    final class Ledger: @unchecked Sendable {
        final class Slot: @unchecked Sendable {
            let lock = Lock()
            var inside = 0, peak = 0, starts = 0
        }
        let slots: [Slot]
        init(_ n: Int) { slots = (0..<n).map { _ in Slot() } }
        func enter(_ i: Int) {
            let s = slots[i]
            s.lock.withLock { s.inside += 1; s.peak = max(s.peak, s.inside); s.starts += 1 }
        }
        func leave(_ i: Int) { let s = slots[i]; s.lock.withLock { s.inside -= 1 } }
        func starts(_ i: Int) -> Int { let s = slots[i]; return s.lock.withLock { s.starts } }
        func peak(_ i: Int) -> Int { let s = slots[i]; return s.lock.withLock { s.peak } }
    }

    @Test("10,000 jobs, 10 % throwing, 5 % overrunning their timeout, random control from another thread")
    func chaos() throws {
        let n = 10_000
        let seconds = ProcessInfo.processInfo.environment["TICKWORK_STRESS_SECONDS"].flatMap(Double.init) ?? 3
        let engine = try Engine(EngineConfiguration(workers: 8, queues: [RunQueueConfig(name: "default", capacity: 256)]))
        let ledger = Ledger(n)
        struct Planned: Error {}
        var specs: [JobSpec] = []
        for i in 0..<n {
            let throwing = i % 10 == 0
            let overrunning = i % 20 == 1
            let period = Duration.milliseconds(20 + (i * 7919) % 480)
            specs.append(JobSpec(name: "s\(i)", group: "g\(i % 7)", schedule: .every(period),
                                 timeout: overrunning ? .milliseconds(30) : .seconds(5), backoff: nil) { ctx in
                ledger.enter(i)
                defer { ledger.leave(i) }
                if overrunning {
                    // Half cooperate (they notice and return), half ignore cancel for a while.
                    if i % 40 == 1 { ctx.sleep(for: .milliseconds(200)) } else { usleep(60_000) }
                }
                if throwing { throw Planned() }
            })
        }
        let ids = try engine.submit(contentsOf: specs)

        // Another thread pokes at the engine at random.
        let stop = Atomic<Bool>(false)
        let cancelledAt = Lock()
        nonisolated(unsafe) var startsAtCancel: [Int: (count: Int, wasRunning: Bool)] = [:]
        let done = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            var rng = SystemRandomNumberGenerator()
            while !stop.load(ordering: .relaxed) {
                let i = Int.random(in: 0..<n, using: &rng)
                switch Int.random(in: 0..<100, using: &rng) {
                case 0..<40: engine.pause(ids[i])
                case 40..<80: engine.resume(ids[i])
                case 80..<88:
                    if engine.cancel(ids[i]) {
                        let state = engine.info(ids[i])?.state
                        cancelledAt.withLock {
                            startsAtCancel[i] = (ledger.starts(i), state == .cancelling)
                        }
                    }
                case 88..<92: try? engine.setWorkerCount(Int.random(in: 2...12, using: &rng))
                case 92..<94: try? engine.setQueuePaused("default", Bool.random(using: &rng))
                default: _ = engine.snapshot()
                }
                usleep(200)
            }
            done.signal()
        }
        Thread.sleep(forTimeInterval: seconds)   // real time is the point of this test
        stop.store(true, ordering: .relaxed)
        done.wait()
        try engine.setQueuePaused("default", false)
        try engine.setWorkerCount(8)

        // Pool size restored (stuck workers are extra, not part of the pool).
        #expect(eventually { engine.snapshot().workers.filter { $0.phase != .stuck && !$0.retiring }.count == 8 })
        let snap = engine.snapshot()
        #expect(snap.jobsByState.values.reduce(0, +) == n, "every job is in exactly one state: \(snap.jobsByState)")
        #expect(snap.jobsByState.values.allSatisfy { $0 >= 0 }, "\(snap.jobsByState)")
        // The per-state counts agree with the jobs' own states.
        var actual: [JobState: Int] = [:]
        for id in ids { if let s = engine.info(id)?.state { actual[s, default: 0] += 1 } }
        let settled = engine.snapshot().jobsByState
        for s in [JobState.cancelled, .retired] { #expect(settled[s] ?? 0 == actual[s] ?? 0, "\(s): \(settled) vs \(actual)") }
        #expect(snap.totalJobs == n)
        #expect(snap.runs > n / 10, "the engine made progress (\(snap.runs) runs)")
        let failures = engine.events(after: 0, limit: 1).lastSeq
        #expect(failures > 0)

        let report = engine.shutdown(deadline: .seconds(3))
        // The run ledger: every run taken from the wheel was closed exactly
        // once (finished, dropped, refused or written off). Zero after a clean
        // shutdown; negative would be a double close, positive a lost run.
        let openRuns = engine.due.lock.withLock { engine.due.inFlight }
        #expect(!report.isClean || openRuns == 0, "\(openRuns) runs never closed (or closed twice)")
        #expect(openRuns >= 0, "runs closed twice: \(openRuns)")
        // Nothing overlapped itself.
        for i in 0..<n { #expect(ledger.peak(i) <= 1, "job \(i) overlapped itself") }
        // No run started after its cancel returned (one already in progress may have counted).
        let cancels = cancelledAt.withLock { startsAtCancel }
        #expect(!cancels.isEmpty)
        for (i, at) in cancels {
            let final = ledger.starts(i)
            #expect(final <= at.count + (at.wasRunning ? 1 : 0), "job \(i) ran after cancel: \(at.count) → \(final)")
        }
        // Per-job runs add up to the engine's total.
        let perJob = ids.compactMap { engine.info($0)?.runs }.reduce(0, +)
        let finalSnap = engine.snapshot()
        #expect(finalSnap.jobsByState.values.reduce(0, +) == n)
        #expect(finalSnap.jobsByState.values.allSatisfy { $0 >= 0 }, "after shutdown: \(finalSnap.jobsByState)\n\(engine.debugTallies())")
        #expect(perJob <= finalSnap.runs + finalSnap.workers.count, "per-job runs \(perJob) vs engine \(finalSnap.runs)")
        #expect(report.elapsedNs < 4 * sNs)
    }
}
