import Tickwork

/// The synchronisation primitives of seed 003 (Lundh's "Thread
/// Synchronization Mechanisms") at work, each with jobs blocked on it —
/// their threads show as `waiting` on it in the threads panel:
/// - a semaphore of 3 guarding a "connection pool" that six clients share;
/// - an event gate: three waiters block until an opener sets it (every 3 s);
/// - a barrier: four parties finish uneven work, then wait for each other;
/// - a condition-variable handoff: a one-slot mailbox between two jobs.
///
/// Every wait wakes at once when its condition holds, and every 50 ms to
/// see whether its job was cancelled, so stopping the demo never hangs.
public final class PrimitivesDemo: Demo, @unchecked Sendable {
    public let group = "primitives"
    public static let poolSize = 3
    public static let clients = 6
    public static let gateWaiters = 3
    public static let parties = 4

    // Each primitive is its own monitor; its fields are guarded by its lock.
    private let pool = Monitor()
    private var inUse = 0, maxInUse = 0, acquisitions = 0
    private let gate = Monitor()
    private var gateGeneration = 0, gateOpened = 0, released = 0
    private let barrier = Monitor()
    private var arrived = 0, barrierGeneration = 0, barrierBroken = 0
    private let slot = Monitor()
    private var item: Int?
    private var made = 0, handedOff = 0
    private let random: DemoRandom

    public init(seed: UInt64? = nil) { random = DemoRandom(seed: seed) }

    public func start(on engine: Engine) throws {
        var specs: [JobSpec] = []
        for i in 1...Self.clients {
            specs.append(JobSpec(name: "primitives.client-\(i)", group: group, schedule: .fixedDelay(random.milliseconds(200...800))) { [weak self] ctx in
                self?.useConnection(ctx)
            })
        }
        for i in 1...Self.gateWaiters {
            specs.append(JobSpec(name: "primitives.gate-waiter-\(i)", group: group, schedule: .fixedDelay(.milliseconds(100))) { [weak self] ctx in
                self?.passGate(ctx)
            })
        }
        specs.append(JobSpec(name: "primitives.gate-opener", group: group, schedule: .every(.seconds(3)).startingAfter(.seconds(3))) { [weak self] ctx in
            self?.openGate(ctx)
        })
        for i in 1...Self.parties {
            specs.append(JobSpec(name: "primitives.party-\(i)", group: group, schedule: .fixedDelay(.milliseconds(200))) { [weak self] ctx in
                self?.meetAtBarrier(ctx)
            })
        }
        specs.append(JobSpec(name: "primitives.handoff-maker", group: group, schedule: .fixedDelay(.milliseconds(700))) { [weak self] ctx in
            self?.handOver(ctx)
        })
        specs.append(JobSpec(name: "primitives.handoff-taker", group: group, schedule: .fixedDelay(.zero)) { [weak self] ctx in
            self?.takeOver(ctx)
        })
        try engine.submit(contentsOf: specs)
    }

    // MARK: semaphore

    private func useConnection(_ ctx: JobContext) {
        ctx.status("waiting for a connection")
        let got = ctx.waiting(on: "semaphore: connection pool") {
            pool.wait(until: { inUse < Self.poolSize }, unless: { ctx.isCancelled }) {
                inUse += 1; acquisitions += 1; maxInUse = max(maxInUse, inUse)
            }
        }
        guard got else { return }
        ctx.status("querying over a pooled connection")
        ctx.sleep(for: random.milliseconds(400...1200))
        pool.update { inUse -= 1 }
    }

    // MARK: event gate

    private func passGate(_ ctx: JobContext) {
        ctx.status("waiting for the gate to open")
        let seen = gate.read { gateGeneration }
        let through = ctx.waiting(on: "event: gate") {
            gate.wait(until: { gateGeneration != seen }, unless: { ctx.isCancelled }) { released += 1 }
        }
        if through { ctx.status("through the gate") }
    }

    private func openGate(_ ctx: JobContext) {
        gate.update { gateGeneration += 1; gateOpened += 1 }
        ctx.status("opened the gate")
    }

    // MARK: barrier

    private func meetAtBarrier(_ ctx: JobContext) {
        ctx.status("working")
        guard ctx.sleep(for: random.milliseconds(200...1500)) else { return }
        ctx.status("waiting at the barrier")
        var generation = 0
        let met = ctx.waiting(on: "barrier: 4 parties") { () -> Bool in
            generation = barrier.update { () -> Int in
                arrived += 1
                if arrived == Self.parties { arrived = 0; barrierGeneration += 1; return -1 }   // the last one releases all
                return barrierGeneration
            }
            if generation == -1 { return true }
            let deadline = monotonicNanoseconds() + 10_000_000_000
            return barrier.wait(until: { barrierGeneration != generation }, unless: {
                ctx.isCancelled || monotonicNanoseconds() > deadline
            })
        }
        if !met {
            // Gave up: leave the count as it was. Only a party that never
            // came breaks the barrier; being stopped does not.
            let timedOut = !ctx.isCancelled
            barrier.update {
                if barrierGeneration == generation && arrived > 0 { arrived -= 1; if timedOut { barrierBroken += 1 } }
            }
        }
    }

    // MARK: condition handoff

    private func handOver(_ ctx: JobContext) {
        ctx.status("waiting for the slot to empty")
        let n = slot.read { made + 1 }
        let put = ctx.waiting(on: "condition: slot empty") {
            slot.wait(until: { item == nil }, unless: { ctx.isCancelled }) { item = n; made = n }
        }
        if put { ctx.status("handed over item \(n)") }
    }

    private func takeOver(_ ctx: JobContext) {
        ctx.status("waiting for an item")
        var taken: Int?
        _ = ctx.waiting(on: "condition: item ready") {
            slot.wait(until: { item != nil }, unless: { ctx.isCancelled }) { taken = item; item = nil; handedOff += 1 }
        }
        if let taken { ctx.status("took item \(taken)") }
    }

    // MARK: figures

    public struct Counts: Sendable, Equatable {
        public var inUse, maxInUse, acquisitions, gateOpened, released, barrierRounds, barrierBroken, made, handedOff: Int
    }

    public var counts: Counts {
        let p = pool.read { (inUse, maxInUse, acquisitions) }
        let g = gate.read { (gateOpened, released) }
        let b = barrier.read { (barrierGeneration, barrierBroken) }
        let s = slot.read { (made, handedOff) }
        return Counts(inUse: p.0, maxInUse: p.1, acquisitions: p.2, gateOpened: g.0, released: g.1,
                      barrierRounds: b.0, barrierBroken: b.1, made: s.0, handedOff: s.1)
    }

    public func figures() -> [DemoFigure] {
        let c = counts
        return [DemoFigure("pool_in_use", c.inUse), DemoFigure("pool_max", c.maxInUse),
                DemoFigure("pool_acquired", c.acquisitions), DemoFigure("gate_opened", c.gateOpened),
                DemoFigure("gate_released", c.released), DemoFigure("barrier_rounds", c.barrierRounds),
                DemoFigure("barrier_broken", c.barrierBroken), DemoFigure("handed_off", c.handedOff)]
    }
}
