import Synchronization
import Tickwork

/// The lost update (seed 001's FakeDatabase, seed 003's counter): each
/// round, four adders start at the same instant and each adds 1 to two
/// shared totals by read, pause, write. The unsafe total is read and
/// written with atomics — every access is safe, so the program is
/// TSan-clean — but nothing holds the total between the read and the
/// write, so adders that read before another wrote overwrite its update.
/// The locked total holds a lock across read, pause and write: it loses
/// nothing and takes four times as long.
///
/// The 50 ms pause dwarfs the skew between adders starting a round, so the
/// unsafe total loses updates every round by construction, not by luck.
public final class RaceDemo: Demo, @unchecked Sendable {
    public let group = "race"
    public let adders: Int
    public let period: Duration
    public let pause: Duration
    /// Increments asked of each total (counted before either is touched).
    private let expected = Atomic<Int>(0)
    private let unsafeTotal = Atomic<Int>(0)
    private let lockedTotal = Atomic<Int>(0)
    /// Held across the locked read-pause-write.
    private let totalLock = Lock()

    public init(adders: Int = 4, period: Duration = .seconds(1), pause: Duration = .milliseconds(50)) {
        self.adders = max(2, adders); self.period = period; self.pause = pause
    }

    public func start(on engine: Engine) throws {
        // Same period, same first instant: the adders of a round start together.
        try engine.submit(contentsOf: (1...adders).map { i in
            JobSpec(name: "race.adder-\(i)", group: group, schedule: .every(period)) { [weak self] ctx in
                self?.addRound(ctx)
            }
        })
    }

    private func addRound(_ ctx: JobContext) {
        expected.add(1, ordering: .relaxed)
        // Unsafe: the total can change between this read and the write.
        ctx.status("unsafe: read")
        let seen = unsafeTotal.load(ordering: .relaxed)
        // Cancel cuts the pauses short, never an update: each one asked
        // for is made, so `expected` stays exact.
        ctx.sleep(for: pause)
        unsafeTotal.store(seen + 1, ordering: .relaxed)
        // Locked: nobody else reads until this adder has written.
        ctx.waiting(on: "race.lock") { totalLock.lock() }
        defer { totalLock.unlock() }
        ctx.status("locked: read")
        let held = lockedTotal.load(ordering: .relaxed)
        ctx.sleep(for: pause)
        lockedTotal.store(held + 1, ordering: .relaxed)
        ctx.status("round \(ctx.run) done")
    }

    /// (expected, unsafe, locked) now.
    public var totals: (expected: Int, unsafe: Int, locked: Int) {
        (expected.load(ordering: .relaxed), unsafeTotal.load(ordering: .relaxed), lockedTotal.load(ordering: .relaxed))
    }

    public func figures() -> [DemoFigure] {
        let t = totals
        return [DemoFigure("expected", t.expected), DemoFigure("unsafe", t.unsafe),
                DemoFigure("locked", t.locked), DemoFigure("lost", max(0, t.expected - t.unsafe))]
    }
}
