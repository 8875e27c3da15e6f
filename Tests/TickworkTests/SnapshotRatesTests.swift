import Testing
@testable import Tickwork

/// Rates are each reader's own: two dashboards and a metrics scrape
/// sampling one engine at their own pace see figures over their own
/// intervals (the engine keeps no shared previous sample).
@Suite("Snapshot rates per reader")
struct SnapshotRatesTests {
    @Test("two dashboards and a scrape sampling one engine each see busy fractions and run rates over their own interval")
    func threeReadersAtTheirOwnPace() throws {
        let (engine, clock) = try manualEngine(workers: 1)
        defer { engine.shutdown() }
        // One run a tick, busy for exactly one second of the manual clock.
        try engine.submit(JobSpec(name: "beat", schedule: .every(.seconds(4))) { ctx in _ = ctx.sleep(for: .seconds(1)) })
        var dashboardA = SnapshotRates(), dashboardB = SnapshotRates(), scrape = SnapshotRates()
        clock.advance(by: .ms(1)); engine.settle()           // t = 0.001 s: the run starts
        #expect(engine.snapshot().busyWorkers == 1)
        for reader in [0, 1, 2] {
            let s = engine.snapshot()
            switch reader {
            case 0: _ = dashboardA.next(s)
            case 1: _ = dashboardB.next(s)
            default: _ = scrape.next(s)
            }
        }
        clock.advance(by: .ms(500)); engine.settle()         // t = 0.501 s, mid-run
        let b1 = dashboardB.next(engine.snapshot())
        #expect(abs(b1.workers[0].busyFraction - 1.0) < 1e-9, "B: busy all of its first 0.5 s")
        #expect(b1.runsPerSecond == 0)
        clock.advance(by: .ms(500)); engine.settle()         // t = 1.001 s: the run ends
        clock.advance(by: .seconds(1)); engine.settle()      // t = 2.001 s
        let c1 = scrape.next(engine.snapshot())
        #expect(abs(c1.workers[0].busyFraction - 0.5) < 1e-9, "scrape: 1 s busy in 2 s")
        #expect(abs(c1.runsPerSecond! - 0.5) < 1e-9)
        clock.advance(by: .seconds(1)); engine.settle()      // t = 3.001 s
        let b2 = dashboardB.next(engine.snapshot())
        #expect(abs(b2.workers[0].busyFraction - 0.2) < 1e-9, "B: 0.5 s busy in its 2.5 s")
        #expect(abs(b2.runsPerSecond! - 0.4) < 1e-9)
        clock.advance(by: .ms(900)); engine.settle()         // t = 3.901 s
        let a1 = dashboardA.next(engine.snapshot())
        // With one shared previous sample, A would have seen 0.9 s with nothing busy.
        #expect(abs(a1.workers[0].busyFraction - 1.0 / 3.9) < 1e-9, "A: 1 s busy in its 3.9 s")
        #expect(abs(a1.runsPerSecond! - 1.0 / 3.9) < 1e-9)
        #expect(a1.queues[0].dequeueRate == 0 && a1.queues[0].enqueueRate == 0, "the one run was queued before A's first sample")
    }

    @Test("rates are a pure function of two snapshots: a new worker counts from zero, no interval leaves them unset")
    func ratesFromTwoSnapshots() throws {
        let (engine, _) = try manualEngine(workers: 2)
        defer { engine.shutdown() }
        let first = engine.snapshot()
        #expect(first.runsPerSecond == nil && first.workers.allSatisfy { $0.busyFraction == 0 }, "the engine leaves rates to readers")
        #expect(first.withRates(since: nil).runsPerSecond == nil)
        #expect(first.withRates(since: first).runsPerSecond == nil, "no time between them: nothing to rate")
        var later = first
        later.takenAtNs += 2_000_000_000
        later.runs += 10
        later.workers[0].busyNs += 500_000_000
        later.workers[0].cpuNs += 250_000_000
        later.workers[1].busyNs += 9_000_000_000     // more than the interval: clamped to 1
        later.timer.cpuNs += 20_000_000
        later.queues[0].enqueued += 8
        later.queues[0].dequeued += 6
        var joined = later.workers[0]
        joined.index = 99
        joined.busyNs = 1_000_000_000
        joined.cpuNs = 0
        later.workers.append(joined)
        let r = later.withRates(since: first)
        #expect(r.runsPerSecond == 5)
        #expect(r.workers[0].busyFraction == 0.25 && r.workers[0].cpuFraction == 0.125)
        #expect(r.workers[1].busyFraction == 1)
        #expect(r.workers[2].busyFraction == 0.5, "a worker with no earlier sample counts from its start")
        #expect(abs(r.timer.cpuFraction - 0.01) < 1e-12)
        #expect(r.queues[0].enqueueRate == 4 && r.queues[0].dequeueRate == 3)
        // The reader keeps the raw snapshot, not the rated one.
        var reader = SnapshotRates()
        _ = reader.next(first)
        _ = reader.next(later)
        #expect(reader.previous?.takenAtNs == later.takenAtNs && reader.previous?.runsPerSecond == nil)
    }
}
