import Testing
@testable import Tickwork

/// Timing semantics, driven by a manual clock: tests move time and wait for
/// the engine to settle; nothing sleeps. A run fires once its 1 µs timer slot
/// has ended, so the tests step 1 ms past each due time.
@Suite("Schedules in the engine")
struct ScheduleEngineTests {
    @Test("fixed rate stays exactly on its grid over 200 runs")
    func zeroDrift() throws {
        let (engine, clock) = try manualEngine()
        defer { engine.shutdown() }
        let t0 = clock.now()
        let dues = Recorder<Int64>()
        let starts = Recorder<Int64>()
        let id = try engine.submit(JobSpec(name: "tick", schedule: .every(.ms(100))) { ctx in
            dues.add(ctx.dueNs); starts.add(ctx.startNs)
        })
        clock.advance(by: .ms(1)); engine.settle()
        for _ in 1..<200 { clock.advance(by: .ms(100)); engine.settle() }
        #expect(dues.all == (0..<200).map { t0 + Int64($0) * 100 * msNs })
        #expect(zip(starts.all, dues.all).allSatisfy { $0 - $1 == msNs }, "each run is exactly as late as the test stepped")
        let info = try #require(engine.info(id))
        #expect(info.runs == 200 && info.misses == 0 && info.state == .scheduled)
        #expect(info.lastLatenessNs == msNs && info.totalLatenessNs == 200 * msNs)
        #expect(info.nextDueNs == t0 + 200 * 100 * msNs)
    }

    /// Run 1 is due at 0 and sleeps 250 ms in its context, overrunning ticks 100 and 200.
    @Test("overrun never overlaps; the policy decides the next run", arguments: [
        (MissedTickPolicy.skip, Int64(300), 2),
        (.runOnceLate, Int64(200), 1),
        (.reanchor, Int64(251), 1),
        (.catchUp, Int64(100), 0),
    ])
    func overrun(policy: MissedTickPolicy, secondDueMs: Int64, misses: Int) throws {
        let (engine, clock) = try manualEngine()
        defer { engine.shutdown() }
        let t0 = clock.now()
        let dues = Recorder<Int64>()
        let inside = Recorder<Int>()
        let running = Gauge()
        let id = try engine.submit(JobSpec(name: "slow", schedule: .every(.ms(100), missed: policy)) { ctx in
            inside.add(running.enter())
            dues.add(ctx.dueNs)
            if ctx.run == 1 { ctx.sleep(for: .ms(250)) }
            running.leave()
        })
        clock.advance(by: .ms(1)); engine.settle()
        #expect(engine.info(id)?.state == .sleeping)
        for _ in 0..<5 { clock.advance(by: .ms(50)); engine.settle() }   // t = 251 ms: the run ends
        if policy == .skip { #expect(dues.count == 1, "skip waits for tick 300") }
        if policy == .runOnceLate || policy == .catchUp { #expect(dues.count >= 2, "the missed tick runs at once") }
        clock.advance(by: .ms(50)); engine.settle()                      // t = 301 ms
        #expect(dues.all.count >= 2)
        #expect(dues.all[1] == t0 + secondDueMs * msNs)
        #expect(engine.info(id)?.misses == misses)
        #expect(inside.all.allSatisfy { $0 == 1 }, "never two runs of one job at once")
    }

    @Test("fixed delay: each run is due its delay after the previous one ended")
    func fixedDelay() throws {
        let (engine, clock) = try manualEngine()
        defer { engine.shutdown() }
        let dues = Recorder<Int64>()
        let starts = Recorder<Int64>()
        try engine.submit(JobSpec(name: "d", schedule: .fixedDelay(.ms(100))) { ctx in
            dues.add(ctx.dueNs); starts.add(ctx.startNs)
            if ctx.run == 2 { ctx.sleep(for: .ms(40)) }
        })
        clock.advance(by: .ms(1)); engine.settle()      // run 1 at 1 ms, ends at once
        clock.advance(by: .ms(101)); engine.settle()    // run 2 at 102 ms, sleeps until 142
        clock.advance(by: .ms(40)); engine.settle()     // run 2 ends at 142
        clock.advance(by: .ms(101)); engine.settle()    // run 3 due 242
        let s = starts.all, d = dues.all
        #expect(d.count == 3)
        #expect(d[1] == s[0] + 100 * msNs)
        #expect(d[2] == s[1] + 40 * msNs + 100 * msNs)
    }

    @Test("one-shot runs once and retires; one at an instant too")
    func oneShot() throws {
        let (engine, clock) = try manualEngine()
        defer { engine.shutdown() }
        let runs = Recorder<Int>()
        let a = try engine.submit(JobSpec(name: "once", schedule: .once(after: .ms(50))) { _ in runs.add(1) })
        let b = try engine.submit(JobSpec(name: "at", schedule: .once(atMonotonicNanoseconds: clock.now() + 80 * msNs)) { _ in runs.add(2) })
        clock.advance(by: .ms(40)); engine.settle()
        #expect(runs.all.isEmpty)
        clock.advance(by: .ms(20)); engine.settle()
        #expect(runs.all == [1])
        clock.advance(by: .ms(1000)); engine.settle()
        #expect(runs.all == [1, 2])
        #expect(engine.info(a)?.state == .retired && engine.info(b)?.state == .retired)
    }

    @Test("adaptive: the body picks its next delay, then retires")
    func adaptive() throws {
        let (engine, clock) = try manualEngine()
        defer { engine.shutdown() }
        let dues = Recorder<Int64>()
        let starts = Recorder<Int64>()
        let id = try engine.submit(JobSpec(name: "obj", schedule: .adaptive(first: .ms(10))) { ctx in
            dues.add(ctx.dueNs); starts.add(ctx.startNs)
            if ctx.run < 3 { ctx.runAgain(after: .milliseconds(30 * ctx.run)) } else { ctx.retire() }
        })
        for _ in 0..<20 { clock.advance(by: .ms(11)); engine.settle() }
        let d = dues.all, s = starts.all
        #expect(d.count == 3)
        #expect(d[1] == s[0] + 30 * msNs && d[2] == s[1] + 60 * msNs)
        #expect(engine.info(id)?.state == .retired)
        #expect(engine.snapshot().count(.retired) == 1)
    }

    @Test("a body decides through its context: the last call counts, a failed run's decision does not, a context kept past its run decides nothing")
    func contextDecisions() throws {
        let (engine, clock) = try manualEngine(workers: 1)
        defer { engine.shutdown() }
        @Sendable func decide(_ ctx: JobContext) { if ctx.run >= 2 { ctx.retire() } }
        let id = try engine.submit(JobSpec(name: "decides", schedule: .every(.ms(10))) { ctx in decide(ctx) })
        // The last decision of a run counts: retire, then run again after 50 ms.
        let changes = try engine.submit(JobSpec(name: "changes its mind", schedule: .every(.ms(10))) { ctx in
            ctx.retire()
            ctx.runAgain(after: .ms(50))
        })
        struct Boom: Error {}
        let fails = try engine.submit(JobSpec(name: "retires then fails", schedule: .every(.ms(10)), backoff: nil) { ctx in
            ctx.retire()
            throw Boom()
        })
        let kept = Recorder<JobContext>()
        let keeper = try engine.submit(JobSpec(name: "keeps its context", schedule: .once(after: .ms(5))) { ctx in kept.add(ctx) })
        let plain = try engine.submit(JobSpec(name: "plain", schedule: .every(.ms(10))) { ctx in _ = ctx.run })
        clock.advance(by: .ms(6)); engine.settle()
        // A context used after its run ended (here, between runs) must not decide for any later run.
        try #require(kept.all.count == 1)
        kept.all[0].retire()
        for _ in 0..<10 { clock.advance(by: .ms(11)); engine.settle() }
        #expect(engine.info(id)?.state == .retired && engine.info(id)?.runs == 2)
        let c = try #require(engine.info(changes))
        #expect(c.state == .scheduled && c.runs == 3, "runs 50 ms apart: at 11, 61 and 111 ms (\(c.runs))")
        let f = try #require(engine.info(fails))
        #expect(f.state == .failed && f.runs > 2, "a failed run follows its policy, not its decision")
        #expect(engine.info(keeper)?.state == .retired)
        // The plain form goes on with its schedule, whatever a stale context said.
        #expect(engine.info(plain)?.state == .scheduled && (engine.info(plain)?.runs ?? 0) > 2)
    }

    @Test("initial delay and jitter: first run waits; every run lies within the jitter bound")
    func initialDelayAndJitter() throws {
        let (engine, clock) = try manualEngine()
        defer { engine.shutdown() }
        let t0 = clock.now()
        let dues = Recorder<Int64>()
        try engine.submit(JobSpec(name: "j", schedule: .every(.ms(100)).startingAfter(.ms(500)).jittered(upTo: .ms(10))) { ctx in
            dues.add(ctx.dueNs)
        })
        for _ in 0..<120 { clock.advance(by: .ms(10)); engine.settle() }
        let d = dues.all
        #expect(d.count >= 6)
        for (k, due) in d.enumerated() {
            let grid = t0 + 500 * msNs + Int64(k) * 100 * msNs
            #expect(due >= grid && due <= grid + 10 * msNs, "run \(k) due \(due - grid) ns after its tick")
        }
        #expect(Set(d.enumerated().map { $1 - (t0 + 500 * msNs + Int64($0) * 100 * msNs) }).count > 1, "jitter varies")
    }

    @Test("cron jobs are due at the next calendar minute")
    func cron() throws {
        let (engine, clock) = try manualEngine()
        defer { engine.shutdown() }
        let runs = Recorder<Int>()
        let id = try engine.submit(JobSpec(name: "c", schedule: try .cron("* * * * *")) { ctx in runs.add(ctx.run) })
        let due = try #require(engine.info(id)?.nextDueNs)
        let wait = due - clock.now()
        #expect(wait > 0 && wait <= 60 * sNs)
        clock.advance(byNanoseconds: wait + msNs); engine.settle()
        #expect(runs.all == [1])
        let next = try #require(engine.info(id)?.nextDueNs)
        // Wall ↔ monotonic conversion goes through Date (~100 ns precision).
        #expect(abs(next - due - 60 * sNs) < 1_000)
    }
}

/// Counts bodies inside at once (to prove a job never overlaps itself).
final class Gauge: @unchecked Sendable {
    private let lock = Lock()
    private var n = 0
    private(set) var peak = 0
    func enter() -> Int { lock.withLock { n += 1; peak = max(peak, n); return n } }
    func leave() { lock.withLock { n -= 1 } }
}
