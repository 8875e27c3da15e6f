import Testing
@testable import Tickwork

@Suite("Fixed-rate arithmetic")
struct CadenceTests {
    let p: Int64 = 100

    @Test("on time: the next tick is one period on, nothing missed")
    func onTime() {
        for policy in MissedTickPolicy.allCases {
            let plan = Cadence.fixedRate(period: p, policy: policy, due: 500, end: 530)
            #expect(plan == .init(nextDue: 600, missed: 0))
        }
    }

    // A run due at 500 that ended at 835 overran ticks 600, 700, 800.
    @Test("overrun, per policy", arguments: [
        (MissedTickPolicy.skip, Cadence.Plan(nextDue: 900, missed: 3)),
        (.runOnceLate, Cadence.Plan(nextDue: 800, missed: 2)),
        (.reanchor, Cadence.Plan(nextDue: 835, missed: 2)),
        (.catchUp, Cadence.Plan(nextDue: 600, missed: 0)),
    ])
    func overrun(policy: MissedTickPolicy, expected: Cadence.Plan) {
        #expect(Cadence.fixedRate(period: p, policy: policy, due: 500, end: 835) == expected)
    }

    @Test("ending exactly on a tick counts that tick as missed")
    func boundary() {
        #expect(Cadence.fixedRate(period: p, policy: .skip, due: 500, end: 600)
                == .init(nextDue: 700, missed: 1))
    }

    @Test("zero drift: 10,000 on-time runs stay exactly on the grid")
    func zeroDrift() {
        var due: Int64 = 7
        for k in 1...10_000 {
            let plan = Cadence.fixedRate(period: 333, policy: .skip, due: due, end: due + Int64(k % 300))
            due = plan.nextDue
            #expect(plan.missed == 0)
        }
        #expect(due == 7 + 10_000 * 333)
    }

    @Test("resume after a pause: no burst unless catch-up asks for it", arguments: [
        (MissedTickPolicy.skip, Int64(1100)),
        (.runOnceLate, Int64(1000)),
        (.reanchor, Int64(1050)),
        (.catchUp, Int64(600)),
    ])
    func resume(policy: MissedTickPolicy, next: Int64) {
        let plan = Cadence.resumeFixedRate(period: p, policy: policy, pendingDue: 600, now: 1050)
        #expect(plan.nextDue == next)
        #expect(plan.missed == 0)
    }

    @Test("back-off doubles and is capped")
    func backoff() {
        let seq = (0...7).map { Cadence.backoff(failures: $0, initial: 10, cap: 300) }
        #expect(seq == [0, 10, 20, 40, 80, 160, 300, 300])
        #expect(Cadence.backoff(failures: 200, initial: 10, cap: 300) == 300)
    }

    @Test("jitter stays within its bound and is deterministic")
    func jitter() {
        for run in 0..<1000 {
            let j = Cadence.jitter(bound: 50, id: 9, run: UInt64(run))
            #expect((0...50).contains(j))
            #expect(j == Cadence.jitter(bound: 50, id: 9, run: UInt64(run)))
        }
        let distinct = Set((0..<1000).map { Cadence.jitter(bound: 50, id: 9, run: UInt64($0)) })
        #expect(distinct.count > 40, "jitter should spread over its range")
    }

    @Test("durations print short")
    func formatting() {
        #expect(formatNanoseconds(250_000_000) == "250ms")
        #expect(formatNanoseconds(1_500_000_000) == "1.5s")
        #expect(formatNanoseconds(150_000_000_000) == "2m30s")
        #expect(formatNanoseconds(7_200_000_000_000) == "2h")
        #expect(formatNanoseconds(12_000) == "12µs")
    }
}
