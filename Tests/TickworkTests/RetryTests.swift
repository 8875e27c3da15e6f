import Testing
@testable import Tickwork

/// Retries within one tick (`JobSpec.retries`): a failed run is tried again
/// after its back-off, before the next scheduled run, and the schedule goes
/// on from the tick it retried. Manual clock: a run takes no time, so each
/// run ends at the instant it started.
@Suite("Retries within a tick")
struct RetryTests {
    struct Boom: Error {}

    /// What each run saw: its retry number, its own due time and its tick's.
    struct Seen: Sendable, Equatable { var retry: Int; var due: Int64; var tickDue: Int64 }

    /// The waits of a 1 s back-off, less up to a fifth as jitter.
    static func waitRange(attempt: Int) -> ClosedRange<Int64> {
        let full = sNs << Int64(attempt - 1)
        return (full - full / 5)...full
    }

    @Test("a fixed-rate job retries its failed tick three times, then keeps its grid")
    func retriesThenGrid() throws {
        let (engine, clock) = try manualEngine()
        defer { engine.shutdown() }
        let start = clock.now()
        let seen = Recorder<Seen>()
        let id = try engine.submit(JobSpec(name: "flaky", schedule: .every(.seconds(60)).startingAfter(.seconds(60)),
                                           backoff: Backoff(initial: .seconds(1), cap: .seconds(30)), retries: 3) { ctx in
            seen.add(Seen(retry: ctx.retry, due: ctx.dueNs, tickDue: ctx.tickDueNs)); throw Boom()
        })
        clock.advance(by: .seconds(60) + .ms(1)); engine.settle()
        var end = clock.now()
        for attempt in 1...3 {
            let info = try #require(engine.info(id))
            #expect(info.state == .failed && info.pendingRetry == attempt && info.retries == 3)
            let due = try #require(info.nextDueNs)
            #expect(Self.waitRange(attempt: attempt).contains(due - end), "retry \(attempt) waits its back-off")
            clock.advance(by: .nanoseconds(due - clock.now()) + .ms(1)); engine.settle()
            end = clock.now()
        }
        let info = try #require(engine.info(id))
        #expect(seen.all.map(\.retry) == [0, 1, 2, 3])
        #expect(seen.all.allSatisfy { $0.tickDue == start + 60 * sNs }, "every retry belongs to the first tick")
        #expect(info.state == .failed && info.pendingRetry == 0 && !info.gaveUp)
        #expect(info.nextDueNs == start + 120 * sNs, "then the next tick on the grid")
        #expect(info.errors == 4 && info.consecutiveFailures == 4 && info.misses == 0)
        let messages = engine.events(after: 0).events.filter { $0.kind == .failed }.map(\.message)
        #expect(messages.count == 4 && messages[0].hasPrefix("Boom() (retry 1 of 3 in "))
        #expect(messages.last == "Boom() (all 3 retries failed; next run on schedule)")
        clock.advance(by: .nanoseconds(start + 120 * sNs - clock.now()) + .ms(1)); engine.settle()
        #expect(seen.all.last == Seen(retry: 0, due: start + 120 * sNs, tickDue: start + 120 * sNs))
    }

    @Test("a retry that succeeds ends the tick's retries; the next tick starts afresh")
    func successEndsRetries() throws {
        let (engine, clock) = try manualEngine()
        defer { engine.shutdown() }
        let start = clock.now()
        let seen = Recorder<Int>()
        let id = try engine.submit(JobSpec(name: "twice", schedule: .every(.seconds(60)).startingAfter(.seconds(60)),
                                           retries: 5) { ctx in
            seen.add(ctx.retry)
            if ctx.run == 2 || ctx.run == 3 || ctx.run == 5 { throw Boom() }
        })
        // Run 1 at 60 s succeeds; run 2 at 120 s fails, its retries (runs 3, 4) fail then succeed.
        clock.advance(by: .seconds(60) + .ms(1)); engine.settle()
        clock.advance(by: .seconds(60)); engine.settle()
        for _ in 0..<2 {
            let due = try #require(engine.info(id)?.nextDueNs)
            clock.advance(by: .nanoseconds(due - clock.now()) + .ms(1)); engine.settle()
        }
        var info = try #require(engine.info(id))
        #expect(seen.all == [0, 0, 1, 2])
        #expect(info.state == .scheduled && info.pendingRetry == 0 && info.consecutiveFailures == 0)
        #expect(info.nextDueNs == start + 180 * sNs)
        // Run 5 fails: its first retry is retry 1 again, not 3.
        clock.advance(by: .nanoseconds(start + 180 * sNs - clock.now()) + .ms(1)); engine.settle()
        info = try #require(engine.info(id))
        #expect(info.pendingRetry == 1 && seen.all.last == 0)
    }

    @Test("no retry is made that would come at or after the next scheduled run")
    func noRetryPastTheNextTick() throws {
        let (engine, clock) = try manualEngine()
        defer { engine.shutdown() }
        let start = clock.now()
        let seen = Recorder<Int>()
        // Every 2 s: retry 1 waits 0.8–1 s (before the tick), retry 2 another 1.6–2 s (past it).
        let id = try engine.submit(JobSpec(name: "fast", schedule: .every(.seconds(2)).startingAfter(.seconds(2)),
                                           retries: 3) { ctx in seen.add(ctx.retry); throw Boom() })
        clock.advance(by: .seconds(2) + .ms(1)); engine.settle()
        let retryDue = try #require(engine.info(id)?.nextDueNs)
        clock.advance(by: .nanoseconds(retryDue - clock.now()) + .ms(1)); engine.settle()
        let info = try #require(engine.info(id))
        #expect(seen.all == [0, 1])
        #expect(engine.events(after: 0).events.last { $0.kind == .failed }?.message
                == "Boom() (the next run on schedule comes before a retry could)")
        // Then the job's own back-off after 2 failures in a row (2 s from
        // about 3 s) also passes the 4 s tick: it runs at 6 s, one tick missed.
        #expect(info.pendingRetry == 0 && info.nextDueNs == start + 6 * sNs && info.misses == 1)
    }

    @Test("a daily cron job retries within seconds, then waits for the next day's fire time")
    func cronRetries() throws {
        let (engine, clock) = try manualEngine()
        defer { engine.shutdown() }
        let seen = Recorder<Seen>()
        let id = try engine.submit(JobSpec(name: "backup", schedule: try .cron("0 3 * * *"),
                                           backoff: Backoff(initial: .seconds(1), cap: .seconds(60)), retries: 2) { ctx in
            seen.add(Seen(retry: ctx.retry, due: ctx.dueNs, tickDue: ctx.tickDueNs)); throw Boom()
        })
        clock.advance(by: .ms(1)); engine.settle()
        let fire = try #require(engine.info(id)?.nextDueNs)
        clock.advance(by: .nanoseconds(fire - clock.now()) + .ms(1)); engine.settle()
        for _ in 0..<2 {
            let due = try #require(engine.info(id)?.nextDueNs)
            #expect(due - clock.now() <= 2 * sNs, "a retry is seconds away, not a day")
            clock.advance(by: .nanoseconds(due - clock.now()) + .ms(1)); engine.settle()
        }
        let info = try #require(engine.info(id))
        #expect(seen.all.map(\.retry) == [0, 1, 2] && seen.all.allSatisfy { $0.tickDue == fire })
        let next = try #require(info.nextDueNs)
        // The next fire is a day after this one (23–25 h across a DST change).
        #expect((23 * 3600 * sNs)...(25 * 3600 * sNs) ~= next - fire)
        #expect(info.pendingRetry == 0 && info.misses == 0)
    }

    @Test("a cron job waiting on a retry keeps it when the wall clock jumps; its next fire time follows the clock after")
    func cronRetryAcrossAClockStep() throws {
        let (engine, clock) = try manualEngine()
        defer { engine.shutdown() }
        let seen = Recorder<Int>()
        let id = try engine.submit(JobSpec(name: "hourly", schedule: try .cron("0 * * * *"),
                                           backoff: Backoff(initial: .seconds(10), cap: .seconds(60)), retries: 1) { ctx in
            seen.add(ctx.retry); throw Boom()
        })
        clock.advance(by: .ms(1)); engine.settle()
        let fire = try #require(engine.info(id)?.nextDueNs)
        clock.advance(by: .nanoseconds(fire - clock.now()) + .ms(1)); engine.settle()
        let retryDue = try #require(engine.info(id)?.nextDueNs)
        #expect(engine.info(id)?.pendingRetry == 1)
        clock.jumpWall(by: .seconds(1800))   // the wall clock moves on half an hour
        engine.settle()
        #expect(engine.info(id)?.nextDueNs == retryDue && engine.info(id)?.pendingRetry == 1, "a retry waits on the monotonic clock")
        clock.advance(by: .nanoseconds(retryDue - clock.now()) + .ms(1)); engine.settle()
        let next = try #require(engine.info(id)?.nextDueNs)
        #expect(seen.all == [0, 1])
        // The next fire time is the next full hour on the moved wall clock: at most 30 min away.
        #expect(next - clock.now() <= 1800 * sNs && next > clock.now())
    }

    @Test("a one-time job retries, then gives up; one that succeeds on a retry retires")
    func oneTime() throws {
        let (engine, clock) = try manualEngine()
        defer { engine.shutdown() }
        let always = try engine.submit(JobSpec(name: "always", schedule: .once(), backoff: nil, retries: 2) { _ in throw Boom() })
        let third = try engine.submit(JobSpec(name: "third", schedule: .once(), backoff: nil, retries: 4) { ctx in
            if ctx.run < 3 { throw Boom() }
        })
        // No back-off: each retry is due at once.
        for _ in 0..<4 { clock.advance(by: .ms(1)); engine.settle() }
        let gaveUp = try #require(engine.info(always))
        #expect(gaveUp.runs == 3 && gaveUp.state == .failed && gaveUp.gaveUp && gaveUp.nextDueNs == nil)
        #expect(engine.events(after: 0).events.contains { $0.job == always && $0.message.hasSuffix("(gave up: 2 retries failed)") })
        let retired = try #require(engine.info(third))
        #expect(retired.runs == 3 && retired.state == .retired && retired.errors == 2)
    }

    @Test("pausing drops a pending retry; resume follows the schedule from the retried tick")
    func pauseDropsRetry() throws {
        let (engine, clock) = try manualEngine()
        defer { engine.shutdown() }
        let start = clock.now()
        let runs = Recorder<Int>()
        let id = try engine.submit(JobSpec(name: "p", schedule: .every(.seconds(60)).startingAfter(.seconds(60)),
                                           retries: 3) { ctx in runs.add(ctx.retry); throw Boom() })
        clock.advance(by: .seconds(60) + .ms(1)); engine.settle()
        #expect(engine.info(id)?.pendingRetry == 1)
        #expect(engine.pause(id))
        #expect(engine.info(id)?.pendingRetry == 0 && engine.info(id)?.state == .paused)
        clock.advance(by: .seconds(5)); engine.settle()
        #expect(engine.resume(id))
        // The missed-tick policy (skip) takes the next grid tick.
        #expect(engine.info(id)?.nextDueNs == start + 120 * sNs)
        clock.advance(by: .seconds(60)); engine.settle()
        #expect(runs.all == [0, 0])
    }

    @Test("a run by hand that succeeds during a retry wait ends the retries")
    func runByHandEndsRetries() throws {
        let (engine, clock) = try manualEngine()
        defer { engine.shutdown() }
        let start = clock.now()
        let seen = Recorder<Int>()
        let id = try engine.submit(JobSpec(name: "h", schedule: .every(.seconds(60)).startingAfter(.seconds(60)),
                                           retries: 3) { ctx in seen.add(ctx.retry); if ctx.run == 1 { throw Boom() } })
        clock.advance(by: .seconds(60) + .ms(1)); engine.settle()
        #expect(engine.info(id)?.state == .failed && engine.info(id)?.pendingRetry == 1)
        #expect(engine.runNow(id))
        engine.settle()
        let info = try #require(engine.info(id))
        #expect(seen.all == [0, 0], "a run by hand is not counted as a retry")
        #expect(info.state == .scheduled && info.pendingRetry == 0 && info.nextDueNs == start + 120 * sNs)
    }

    @Test("failures in a row count the retries: the limit stops the job")
    func limitCountsRetries() throws {
        let (engine, clock) = try manualEngine()
        defer { engine.shutdown() }
        let id = try engine.submit(JobSpec(name: "l", schedule: .every(.seconds(60)), backoff: nil,
                                           maxConsecutiveFailures: 2, retries: 5) { _ in throw Boom() })
        for _ in 0..<4 { clock.advance(by: .ms(1)); engine.settle() }
        let info = try #require(engine.info(id))
        #expect(info.runs == 2 && info.gaveUp && info.pendingRetry == 0)
    }

    @Test("retries out of range are refused with a message")
    func validation() throws {
        let (engine, _) = try manualEngine()
        defer { engine.shutdown() }
        for bad in [-1, JobSpec.maxRetries + 1] {
            #expect(throws: EngineError.self) {
                try engine.submit(JobSpec(name: "x", schedule: .once(), retries: bad) { _ in })
            }
        }
        do {
            _ = try engine.submit(JobSpec(name: "x", schedule: .once(), retries: -1) { _ in })
        } catch {
            #expect("\(error)".contains("retries must be 0…1000 (got -1)"))
        }
    }
}
