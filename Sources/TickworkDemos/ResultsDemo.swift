#if canImport(Glibc)
import Glibc
#endif
import Tickwork

/// Results handed back to a main loop (Fandango's WorkerThread, the seed's
/// Qt lesson: a worker's result reaches the GUI thread by a queued signal,
/// never by touching the GUI from the worker). The demo's own main loop —
/// a thread standing in for a GUI's — submits pieces of one-off work ten
/// times a second (count the primes below a number), cancels some before
/// they run, and lets some fail; every result, failure and cancel comes
/// back through a `DeliveryQueue` the loop drains. Each callback checks the
/// thread it runs on: "on a worker" must stay 0.
///
/// Threads: `start` and `stop` from the caller; the loop on its own thread
/// (`tickwork-results-main`); `figures` from any thread. `lock` guards the
/// counters, `stopping` and `loopRunning`.
public final class ResultsDemo: Demo, @unchecked Sendable {
    public let group = "results"
    public let perTick: Int
    private let random: DemoRandom
    private let delivery = DeliveryQueue()
    private let lock = Lock()
    private var submitted = 0, succeeded = 0, failed = 0, cancelled = 0
    private var onLoop = 0, offLoop = 0
    private var lastResult = ""
    private var stopping = false
    private var loopRunning = false
    private let loopEnded = Condition()

    public init(seed: UInt64? = nil, perTick: Int = 3) {
        random = DemoRandom(seed: seed)
        self.perTick = max(1, perTick)
    }

    public func start(on engine: Engine) throws {
        lock.withLock { stopping = false; loopRunning = true }
        startThread(name: "tickwork-results-main") { [self, weak engine] in
            self.mainLoop(engine)
        }
    }

    /// The main loop: every 100 ms submit a few pieces of work, and run the
    /// callbacks that came back meanwhile. After `stop`, or once the engine
    /// refuses work (it shut down), it drains what is still to come and ends
    /// (after at most 10 s: an engine dropped without a shutdown delivers
    /// nothing more).
    private func mainLoop(_ engine: Engine?) {
        let me = pthread_self()
        var nextTick = monotonicNanoseconds()
        var stoppedAt: Int64?
        while true {
            let now = monotonicNanoseconds()
            if stoppedAt == nil && lock.withLock({ stopping }) { stoppedAt = now }
            if stoppedAt == nil && now >= nextTick {
                nextTick = now + 100_000_000
                // Refused: the engine is shutting down. Its shutdown posts
                // the work not yet run as cancelled only at its end, so the
                // loop goes on draining until it has heard of everything.
                if let engine, !submitSome(on: engine, loop: me) { stoppedAt = now }
                if engine == nil { stoppedAt = now }
            }
            if let at = stoppedAt, inFlight == 0 || now - at > 10_000_000_000 { break }
            let untilTick = stoppedAt == nil ? nextTick - monotonicNanoseconds() : 100_000_000
            delivery.waitAndDrain(upTo: .nanoseconds(max(1_000_000, untilTick)))
        }
        delivery.drain()
        lock.withLock { loopRunning = false; loopEnded.broadcast() }
    }

    /// Waits (real time, at most `within`) for the main loop to end after
    /// `stop` or a shutdown; true if it did.
    public func waitForLoopToEnd(within: Duration) -> Bool {
        let deadline = monotonicNanoseconds() + within.nanoseconds
        return lock.withLock {
            while loopRunning {
                if !loopEnded.wait(lock, untilMonotonicNs: deadline) && monotonicNanoseconds() >= deadline { break }
            }
            return !loopRunning
        }
    }

    /// Work in flight: submitted, not yet heard of.
    private var inFlight: Int { lock.withLock { submitted - succeeded - failed - cancelled } }

    /// Submits `perTick` pieces of work; one in five is cancelled at once,
    /// one in seven fails. False once the engine refuses (shut down).
    private func submitSome(on engine: Engine, loop: pthread_t) -> Bool {
        for _ in 0..<perTick {
            let n = lock.withLock { submitted += 1; return submitted }
            let limit = random.int(20_000...120_000)
            let fails = n % 7 == 0
            let id: JobID
            do {
                id = try engine.submitWork(name: "results.primes-\(n)", group: group, deliverOn: delivery) { ctx in
                    if fails { throw ChecksumMismatch(item: n) }
                    return Self.primes(below: limit, ctx)
                } completion: { [self] result in
                    self.heard(result, item: n, limit: limit, loop: loop)
                }
            } catch {
                lock.withLock { submitted -= 1 }
                return false
            }
            if n % 5 == 0 { _ = engine.cancel(id) }
        }
        return true
    }

    /// A callback: counts the result and the thread it came back on.
    private func heard(_ result: WorkResult<Int>, item: Int, limit: Int, loop: pthread_t) {
        let onTheLoop = pthread_equal(pthread_self(), loop) != 0
        lock.withLock {
            if onTheLoop { onLoop += 1 } else { offLoop += 1 }
            switch result {
            case .success(let count):
                succeeded += 1
                lastResult = "#\(item): \(formatGrouped(count)) primes below \(formatGrouped(limit))"
            case .failure: failed += 1
            case .cancelled: cancelled += 1
            }
        }
    }

    /// Counts primes below `limit` by trial division, checking for a cancel
    /// every 4,096 numbers.
    static func primes(below limit: Int, _ ctx: JobContext) -> Int {
        var count = 0
        var n = 2
        while n < limit {
            if n & 4095 == 0 && ctx.isCancelled { return count }
            var d = 2, prime = true
            while d * d <= n { if n % d == 0 { prime = false; break }; d += 1 }
            if prime { count += 1 }
            n += 1
        }
        return count
    }

    struct ChecksumMismatch: Error, CustomStringConvertible {
        let item: Int
        var description: String { "item \(item): checksum mismatch" }
    }

    /// Stopping: no more work is submitted; the work in flight is cancelled
    /// and the loop ends once every callback has come back.
    public func stop(on engine: Engine) {
        lock.withLock { stopping = true }
        _ = engine.cancelGroup(group)
    }

    public var counts: (submitted: Int, succeeded: Int, failed: Int, cancelled: Int, onLoop: Int, offLoop: Int, loopRunning: Bool) {
        lock.withLock { (submitted, succeeded, failed, cancelled, onLoop, offLoop, loopRunning) }
    }

    public func figures() -> [DemoFigure] {
        let c = counts
        let last = lock.withLock { lastResult }
        // The point first: how many came back, and how many of them on a
        // worker (a small panel shows only the first few).
        return [DemoFigure("results", c.succeeded), DemoFigure("on_worker", c.offLoop),
                DemoFigure("failed", c.failed), DemoFigure("cancelled", c.cancelled),
                DemoFigure("submitted", c.submitted),
                DemoFigure("in_flight", c.submitted - c.succeeded - c.failed - c.cancelled),
                DemoFigure("on_main_loop", c.onLoop), DemoFigure("last", last.isEmpty ? "-" : last)]
    }
}
