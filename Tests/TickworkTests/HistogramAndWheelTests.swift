import Testing
@testable import Tickwork

@Suite("Latency histogram")
struct HistogramTests {
    @Test("bucket indices follow the contract's formula")
    func buckets() {
        #expect(LatencyHistogram.bucketIndex(0) == 0)
        #expect(LatencyHistogram.bucketIndex(127) == 127)
        #expect(LatencyHistogram.bucketIndex(128) == 128)
        #expect(LatencyHistogram.bucketIndex(255) == 191)
        #expect(LatencyHistogram.bucketIndex(256) == 192)
        #expect(LatencyHistogram.bucketIndex(1000) == 128 + 2 * 64 + (1000 >> 3) - 64)  // bitlength 10 → shift 3
        #expect(LatencyHistogram.bucketIndex(Int64.max / 2) < LatencyHistogram.bucketCount)
        #expect(LatencyHistogram.bucketMidpoint(128) == 128.5)
        #expect(LatencyHistogram.bucketMidpoint(5) == 5)
    }

    @Test("percentiles: first bucket reaching ceil(q·n), midpoint, capped at max")
    func percentiles() {
        var h = LatencyHistogram()
        for us in 1...100 { h.record(micros: Int64(us)) }
        #expect(h.percentileMicros(0.5) == 50)
        #expect(h.percentileMicros(0.99) == 99)
        #expect(h.percentileMicros(1.0) == 100)
        #expect(h.meanMicros == 50.5)
        h.record(micros: 1000)
        #expect(h.percentileMicros(1.0) == 1000, "capped at the exact max")
        #expect(h.minMicros == 1 && h.maxMicros == 1000)
        var other = LatencyHistogram()
        other.record(micros: 3)
        h.merge(other)
        #expect(h.count == 102)
    }

    @Test("nanoseconds round toward whole microseconds; negatives are kept in min")
    func nanos() {
        var h = LatencyHistogram()
        h.record(nanoseconds: 1_999)
        h.record(nanoseconds: -1_500)
        #expect(h.maxMicros == 1)
        #expect(h.minMicros == -2)
    }
}

@Suite("Timer wheel")
struct TimerWheelTests {
    func job(_ id: UInt64) -> Job { testJob(id) }

    @Test("an entry fires once its slot has ended, not before")
    func slotEnd() {
        let w = TimerWheel(shift: 10, now: 0)  // 1024 ns slots
        w.insert(job(1), due: 1500)
        var out = ContiguousArray<Job>()
        w.collectDue(now: 1500, into: &out)
        #expect(out.isEmpty)
        #expect(w.nextWake() == 2048)
        w.collectDue(now: 2048, into: &out)
        #expect(out.map(\.id.rawValue) == [1])
        #expect(w.count == 0)
        #expect(w.nextWake() == nil)
    }

    @Test("entries beyond the horizon wait in the heap and fire in time")
    func farEntries() {
        let w = TimerWheel(shift: 10, now: 0)
        let horizon = Int64(TimerWheel.slotCount) << 10
        w.insert(job(1), due: horizon * 3 + 5)
        w.insert(job(2), due: 10)
        var out = ContiguousArray<Job>()
        w.collectDue(now: 1024, into: &out)
        #expect(out.map(\.id.rawValue) == [2])
        out.removeAll()
        #expect(w.nextWake() == ((horizon * 3 + 5) >> 10 + 1) << 10, "a far entry wakes at its slot's end")
        w.collectDue(now: horizon * 3, into: &out)
        #expect(out.isEmpty)
        w.collectDue(now: horizon * 3 + 1024, into: &out)
        #expect(out.map(\.id.rawValue) == [1])
    }

    @Test("an entry inserted in the past fires at the next sweep")
    func overdue() {
        let w = TimerWheel(shift: 10, now: 1_000_000)
        w.insert(job(1), due: 5)
        #expect(w.nextWake()! <= 1_000_000)
        var out = ContiguousArray<Job>()
        w.collectDue(now: 1_000_000, into: &out)
        #expect(out.count == 1)
    }

    @Test("many entries come out in slot order")
    func ordering() {
        let w = TimerWheel(shift: 10, now: 0)
        for i in (1...200).reversed() { w.insert(job(UInt64(i)), due: Int64(i) * 5000) }
        var fired: [UInt64] = []
        var out = ContiguousArray<Job>()
        var t: Int64 = 0
        while w.count > 0 {
            t = w.nextWake()!
            w.collectDue(now: t, into: &out)
            fired += out.map(\.id.rawValue)
            out.removeAll()
        }
        #expect(fired == Array(1...200))
    }

    @Test("a batch insert files every entry as single inserts do (short, long, overdue, far)",
          arguments: [0, 1, 7, 8, 9, 23, 24, 25, 300])
    func batchInsert(count: Int) {
        let now: Int64 = 1 << 20
        let horizon = Int64(TimerWheel.slotCount) << 10
        // Dues spread over past, near and beyond-horizon, in no order.
        var rng = SplitMix64(seed: UInt64(count) + 1)
        let dues: [Int64] = (0..<count).map { _ in
            switch rng.next() % 4 {
            case 0: return Int64(rng.next() % UInt64(now))                         // overdue
            case 1: return now + Int64(rng.next() % 5000)                          // a few slots
            case 2: return now + Int64(rng.next() % UInt64(horizon))               // anywhere in the wheel
            default: return now + horizon + Int64(rng.next() % UInt64(horizon))    // far
            }
        }
        let single = TimerWheel(shift: 10, now: now), batch = TimerWheel(shift: 10, now: now)
        let jobs = (0..<count).map { job(UInt64($0 + 1)) }
        for (j, d) in zip(jobs, dues) { single.insert(j, due: d) }
        batch.insert(contentsOf: ContiguousArray(zip(jobs, dues).map { (job: $0, due: $1) }))
        #expect(batch.count == single.count)
        func drain(_ w: TimerWheel) -> [[UInt64]] {
            var fired: [[UInt64]] = []
            var out = ContiguousArray<Job>()
            while let t = w.nextWake() {
                w.collectDue(now: t, into: &out)
                fired.append(out.map(\.id.rawValue).sorted())
                out.removeAll()
            }
            return fired
        }
        let a = drain(single), b = drain(batch)
        #expect(a == b)
        #expect(a.joined().count == count)
    }

    @Test("a slot past one block keeps its entries in insertion order, and fired blocks are reused")
    func blocksAreRecycled() {
        let w = TimerWheel(shift: 10, now: 0)
        let perBlock = WheelBlocks.entriesPerBlock
        // Three and a bit blocks in one slot.
        let n = perBlock * 3 + 2
        for i in 1...n { w.insert(job(UInt64(i)), due: 100) }
        #expect(w.blocksInUse == 4)
        var out = ContiguousArray<Job>()
        w.collectDue(now: 1024, into: &out)
        #expect(out.map(\.id.rawValue) == Array(1...UInt64(n)))
        #expect(w.blocksInUse == 0)
        #expect(w.count == 0)
        // Lap after lap over every slot: the pool holds no more blocks than
        // the most entries held at once need.
        var t: Int64 = 1024
        for lap in 0..<3 {
            for i in 0..<2000 { w.insert(job(UInt64(i + 1)), due: t + Int64(i % 500) * 1024) }
            #expect(w.blocksInUse <= 500, "lap \(lap): 2,000 entries over 500 slots take 500 blocks")
            while let wake = w.nextWake() { out.removeAll(); w.collectDue(now: wake, into: &out); t = wake }
            #expect(w.blocksInUse == 0)
        }
    }

    @Test("a wheel let go with entries in it releases its jobs")
    func releasesJobsOnDeinit() {
        weak var held: Job?
        do {
            let w = TimerWheel(shift: 10, now: 0)
            let j = job(1)
            held = j
            w.insert(j, due: 5000)
            w.insert(j, due: 9000)   // a stale second entry, as control calls leave
        }
        #expect(held == nil)
    }
}
