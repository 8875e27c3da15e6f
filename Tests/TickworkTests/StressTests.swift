import Foundation
import Synchronization
import Testing
@testable import Tickwork

/// Real threads, real time, chaos: the invariants must hold whatever happens.
@Suite("Stress")
struct StressTests {
    /// Per-job facts the bodies record; slot i belongs to job i. `changed`
    /// is signalled whenever a body enters or leaves, so a test waits for
    /// the bodies themselves, not for time to pass.
    final class Ledger: @unchecked Sendable {
        final class Slot: @unchecked Sendable {
            var inside = 0, peak = 0, starts = 0, throwsCount = 0
        }
        let lock = Lock()
        let changed = Condition()
        private let slots: [Slot]
        private var insideTotal = 0
        init(_ n: Int) { slots = (0..<n).map { _ in Slot() } }
        func enter(_ i: Int) {
            lock.withLock {
                let s = slots[i]
                s.inside += 1; s.peak = max(s.peak, s.inside); s.starts += 1
                insideTotal += 1
                changed.broadcast()
            }
        }
        func leave(_ i: Int, threw: Bool = false) {
            lock.withLock {
                slots[i].inside -= 1
                if threw { slots[i].throwsCount += 1 }
                insideTotal -= 1
                changed.broadcast()
            }
        }
        func starts(_ i: Int) -> Int { lock.withLock { slots[i].starts } }
        func peak(_ i: Int) -> Int { lock.withLock { slots[i].peak } }
        func thrown(_ i: Int) -> Int { lock.withLock { slots[i].throwsCount } }
        func isInside(_ i: Int) -> Bool { lock.withLock { slots[i].inside > 0 } }
        /// Waits (up to 30 s of real time, a sign of a hang) until `count` bodies are inside at once.
        func waitUntilInside(atLeast count: Int) -> Bool {
            let giveUp = monotonicNanoseconds() + 30 * sNs
            return lock.withLock {
                while insideTotal < count {
                    if !changed.wait(lock, untilMonotonicNs: giveUp) { return insideTotal >= count }
                }
                return true
            }
        }
    }

    @Test("10,000 jobs, 10 % throwing, 5 % overrunning their timeout, random control from another thread")
    func chaos() throws {
        let n = 10_000
        let seconds = ProcessInfo.processInfo.environment["TICKWORK_STRESS_SECONDS"].flatMap(Double.init) ?? 3
        // Every event and every finished job kept: the checks below read them all.
        let engine = try Engine(EngineConfiguration(workers: 8, queues: [RunQueueConfig(name: "default", capacity: 256)],
                                                    eventCapacity: 2_000_000, keepFinishedJobs: n, keepFinishedBytes: 1 << 40))
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
                if overrunning {
                    // Half cooperate (they notice and return), half ignore cancel for a while.
                    if i % 40 == 1 { ctx.sleep(for: .milliseconds(200)) } else { usleep(60_000) }
                }
                ledger.leave(i, threw: throwing)
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

        let report = engine.shutdown(deadline: .seconds(3))
        #expect(report.isClean, "every thread ended: the hangs last 60 ms (\(report.abandonedThreads) left)")
        #expect(report.elapsedNs < 4 * sNs)
        let infos = try ids.map { try #require(engine.info($0), "a finished job was forgotten") }

        // Every run that started ended exactly once, in the job's count.
        for i in 0..<n { #expect(infos[i].runs == ledger.starts(i), "job \(i): \(ledger.starts(i)) starts, \(infos[i].runs) runs") }
        let snap = engine.snapshot()
        #expect(snap.runs == infos.map(\.runs).reduce(0, +), "the engine's total is the jobs' runs added up")
        #expect(snap.runs > n / 10, "the engine made progress (\(snap.runs) runs)")

        // Every thrown error is recorded, with its message; timeouts are the other errors.
        let thrown = (0..<n).map(ledger.thrown)
        for i in 0..<n {
            #expect(infos[i].errors == thrown[i] + infos[i].timeouts, "job \(i): \(thrown[i]) thrown + \(infos[i].timeouts) timeouts vs \(infos[i].errors) errors")
            if thrown[i] > 0 { #expect(infos[i].lastError?.message == "Planned()", "job \(i): \(String(describing: infos[i].lastError))") }
            if i % 20 != 1 { #expect(infos[i].timeouts == 0, "job \(i) never overran") }
        }
        #expect(thrown.reduce(0, +) > 100, "the throwing tenth threw")
        #expect(snap.errors == infos.map(\.errors).reduce(0, +), "the engine's error count is the jobs' added up")

        // Each write-off is a stuck event and a replacement; every one was a timeout.
        let events = engine.events(after: 0, limit: 2_000_000)
        #expect(events.missed == 0)
        let stuck = events.events.filter { $0.kind == .stuck }.count
        let replacedEvents = events.events.filter { $0.kind == .workerReplaced }.count
        let timeouts = infos.map(\.timeouts).reduce(0, +)
        #expect(stuck > 0 && stuck == timeouts, "\(stuck) stuck events, \(timeouts) timeouts")
        #expect(engine.workersReplaced == replacedEvents && replacedEvents <= stuck,
                "\(engine.workersReplaced) replaced, \(replacedEvents) events, \(stuck) stuck")

        // The stream holds each job's changes in the order they happened:
        // each event of a job starts where its last one left it, but for the
        // changes the stream does not carry (a due run queued, a run's own
        // sleep and waking).
        let silent: Set<[JobState]> = [[.scheduled, .queued], [.failed, .queued], [.paused, .queued],
                                       [.running, .sleeping], [.sleeping, .running]]
        var lastTo: [JobID: JobState] = [:]
        var breaks: [String] = [], followed = 0
        for e in events.events {
            guard let job = e.job, let from = e.from, let to = e.to else { continue }
            if lastTo[job] != nil { followed += 1 }
            if let prev = lastTo[job], prev != from, !silent.contains([prev, from]) {
                breaks.append("\(job) \(e.kind) #\(e.seq): left in \(prev), this one from \(from)")
            }
            lastTo[job] = to
        }
        #expect(breaks.isEmpty, "\(breaks.count) of \(followed) out of order, e.g. \(breaks.prefix(5))")
        #expect(followed > 1000, "the check saw \(followed) events follow another of their job")

        // Every job is in exactly one state, and the counts per state are the jobs' own.
        var actual: [JobState: Int] = [:]
        for info in infos { actual[info.state, default: 0] += 1 }
        let counted = engine.snapshot().jobsByState
        for s in JobState.allCases { #expect(counted[s] ?? 0 == actual[s] ?? 0, "\(s): counted \(counted) vs actual \(actual)\n\(engine.debugTallies())") }
        #expect(counted.values.reduce(0, +) == n && snap.totalJobs == n)

        // The run ledger: every run taken from the wheel was closed exactly
        // once (finished, dropped, refused or written off).
        let openRuns = engine.due.lock.withLock { engine.due.inFlight }
        #expect(openRuns == 0, "\(openRuns) runs never closed (negative: closed twice)")
        // Nothing overlapped itself.
        for i in 0..<n { #expect(ledger.peak(i) <= 1, "job \(i) overlapped itself") }
        // No run started after its cancel returned (one already in progress may have counted).
        let cancels = cancelledAt.withLock { startsAtCancel }
        #expect(!cancels.isEmpty)
        for (i, at) in cancels {
            let final = ledger.starts(i)
            #expect(final <= at.count + (at.wasRunning ? 1 : 0), "job \(i) ran after cancel: \(at.count) → \(final)")
        }
    }

    @Test("shutdown with 500 jobs running or due: returns by its deadline, starts nothing after it began, and lists exactly what it left")
    func shutdownUnderLoad() throws {
        let n = 500
        let engine = try Engine(EngineConfiguration(workers: 8, keepFinishedJobs: n, keepFinishedBytes: 1 << 40))
        let ledger = Ledger(n)
        // One in ten ignores cancel for 3 s; the rest sleep in their context (cancel wakes them).
        let ignoring = Set(stride(from: 0, to: n, by: 10))
        let ids = try engine.submit(contentsOf: (0..<n).map { i in
            JobSpec(name: "j\(i)", schedule: .every(.milliseconds(20))) { ctx in
                ledger.enter(i)
                if ignoring.contains(i) { usleep(3_000_000) } else { _ = ctx.sleep(for: .milliseconds(50)) }
                ledger.leave(i)
            }
        })
        // Every worker busy, most of them in runs that ignore cancel.
        #expect(ledger.waitUntilInside(atLeast: 8))
        let report = engine.shutdown(deadline: .seconds(2))
        let insideAtReport = Set((0..<n).filter(ledger.isInside).map { ids[$0] })
        #expect(report.elapsedNs <= 2_100_000_000, "returned in \(Double(report.elapsedNs) / 1e9) s")
        let infos = try ids.map { try #require(engine.info($0)) }
        // No run started after shutdown began.
        for info in infos { if let s = info.lastStartNs { #expect(s < report.beganAtNs, "\(info.name) started at \(s), shutdown began \(report.beganAtNs)") } }
        // The runs it abandoned are exactly those still inside their bodies, all of them ones that ignore cancel.
        #expect(Set(report.abandonedRunning) == insideAtReport, "abandoned \(report.abandonedRunning.count), inside \(insideAtReport.count)")
        #expect(!insideAtReport.isEmpty && insideAtReport.allSatisfy { ignoring.contains(Int($0.rawValue) - 1) })
        // Nobody else cancelled anything: a job ends cancelled either because
        // its queued run was cancelled (listed; its last run ended before
        // shutdown began) or because its run was told and returned (not
        // listed: that run finished, after shutdown began).
        #expect(report.cancelledQueued.count == Set(report.cancelledQueued).count, "each listed once")
        let listed = Set(report.cancelledQueued)
        #expect(!listed.isEmpty)
        for info in infos {
            let lastEnd = info.lastStartNs.map { $0 + (info.lastDurationNs ?? 0) }
            if listed.contains(info.id) {
                #expect(info.state == .cancelled && !insideAtReport.contains(info.id), "\(info.name) \(info.state)")
                if let lastEnd { #expect(lastEnd <= report.beganAtNs + 1_000, "\(info.name): its last run ended before shutdown") }
            } else if info.state == .cancelled {
                #expect(lastEnd.map { $0 >= report.beganAtNs - 1_000 } ?? false,
                        "\(info.name) is cancelled but not listed, and no run of it ended during shutdown")
            }
        }
    }
}
