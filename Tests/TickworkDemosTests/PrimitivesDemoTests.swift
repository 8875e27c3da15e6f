import Testing
import Tickwork
import TickworkDemos

/// The primitives on a manual clock: the semaphore never lets more than 3
/// in (and is full at times), the gate releases its waiters each time it
/// opens, the barrier releases all four together, the handoff passes each
/// item once; blocked jobs show as waiting on what blocks them.
@Suite struct PrimitivesDemoTests {
    @Test func eachPrimitiveHoldsItsPromise() throws {
        let rig = try ManualRig(workers: 16)
        defer { rig.shutdown() }
        let engine = rig.engine
        let demo = PrimitivesDemo(seed: 2)
        try demo.start(on: engine)
        var waitingOn = Set<String>()
        rig.step(300) { _ in   // 30 s
            let c = demo.counts
            #expect(c.inUse <= PrimitivesDemo.poolSize)
            #expect(c.handedOff == c.made || c.handedOff == c.made - 1, "one slot: at most one item in flight")
            for w in engine.snapshot().workers { if let on = w.waitingOn { waitingOn.insert(on) } }
        }
        let c = demo.counts
        #expect(c.maxInUse == PrimitivesDemo.poolSize, "six clients fill a pool of three")
        #expect(c.acquisitions > 20)
        #expect(c.gateOpened == 9, "every 3 s from 3 s to 27 s (30 s is due, not yet past)")
        #expect(c.released >= (c.gateOpened - 1) * PrimitivesDemo.gateWaiters, "each opening lets every waiter through")
        #expect(c.barrierRounds >= 5 && c.barrierBroken == 0)
        #expect(c.handedOff >= 30)
        #expect(waitingOn.isSuperset(of: ["semaphore: connection pool", "event: gate", "barrier: 4 parties",
                                          "condition: item ready"]), "\(waitingOn)")
        // Stopping cancels every job; the blocked ones see it within 50 ms
        // (real threads: wait for them, not for engine time).
        demo.stop(on: engine)
        engine.settle()
        var cancelled = 0
        _ = engine.waitForChange(within: .seconds(5)) {
            cancelled = engine.jobs(JobQuery(states: [.cancelled], group: "primitives", limit: 0)).matching
            return cancelled == 16 && engine.snapshot().workers.allSatisfy { $0.phase == .idle }
        }
        #expect(cancelled == 16, "all sixteen jobs end cancelled: \(engine.jobs(JobQuery(group: "primitives", limit: 20)).jobs.filter { $0.state != .cancelled }.map { "\($0.name) \($0.state) \($0.status ?? "")" }) \(engine.snapshot().workers.filter { $0.phase != .idle }.map { "\($0.phase) \($0.jobName ?? "") \($0.waitingOn ?? "")" })")
        #expect(engine.snapshot().workers.allSatisfy { $0.phase == .idle }, "no thread is left blocked")
    }
}
