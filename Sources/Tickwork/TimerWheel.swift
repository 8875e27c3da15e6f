import CTickworkLinux
import HeapModule

/// The due-time index: a hashed timing wheel of 2^16 slots, each `resolution`
/// wide, plus a heap for entries beyond the wheel's horizon.
///
/// An entry becomes due when its slot has ended, so the slot width is the
/// engine's timer leeway: a run starts at most one slot after its due time
/// (plus wake-up and dispatch time). All jobs due in one slot are handed to the
/// workers in one batch, which is what keeps CPU per run low at scale.
///
/// Entries are plain job references; a job that was paused, cancelled or
/// rescheduled may leave a stale entry behind, which the timer recognises and
/// drops when it fires (the job is not `scheduled`, or not yet due).
///
/// Not thread-safe: owned by `DueIndex`, whose lock guards it. A class, so
/// mutating it is not a long (dynamically checked) access to `DueIndex.wheel`.
final class TimerWheel {
    static let slotBits = 16
    static let slotCount = 1 << slotBits
    static let mask = Int64(slotCount - 1)

    let shift: Int64
    /// Each slot's chain of blocks: the first (collected from) and the last
    /// (appended to), `WheelBlocks.none` when empty. Fixed addresses, so a
    /// worker can prefetch a slot without the lock (`prefetchSlot`).
    private let heads: UnsafeMutablePointer<WheelBlocks.Block>
    private let tails: UnsafeMutablePointer<WheelBlocks.Block>
    private let blocks = WheelBlocks()
    @exclusivity(unchecked) private var occupied: [UInt64]
    /// Every tick below this has been collected.
    @exclusivity(unchecked) private(set) var current: Int64
    @exclusivity(unchecked) private var far = Heap<FarEntry>()
    @exclusivity(unchecked) private var overdue = ContiguousArray<Job>()
    /// Entries held, stale ones included.
    @exclusivity(unchecked) private(set) var count = 0

    struct FarEntry: Comparable {
        let due: Int64
        let job: Job
        static func < (a: FarEntry, b: FarEntry) -> Bool { a.due < b.due }
        static func == (a: FarEntry, b: FarEntry) -> Bool { a.due == b.due && a.job === b.job }
    }

    /// - Parameters:
    ///   - shift: log2 of the slot width in nanoseconds (19 ≈ 524 µs, the default).
    ///   - now: the clock's current reading.
    init(shift: Int, now: Int64) {
        precondition((10...30).contains(shift), "wheel resolution must be 2^10…2^30 ns")
        self.shift = Int64(shift)
        heads = .allocate(capacity: Self.slotCount)
        heads.initialize(repeating: WheelBlocks.none, count: Self.slotCount)
        tails = .allocate(capacity: Self.slotCount)
        tails.initialize(repeating: WheelBlocks.none, count: Self.slotCount)
        occupied = Array(repeating: 0, count: Self.slotCount / 64)
        current = now >> Int64(shift)
    }

    deinit {
        // The entries' references go to a throwaway array and die with it.
        var dropped = ContiguousArray<Job>()
        for i in 0..<Self.slotCount {
            var b = heads[i]
            while b != WheelBlocks.none { blocks.moveEntries(of: b, to: &dropped); b = blocks.next(b) }
            dropped.removeAll(keepingCapacity: true)
        }
        heads.deallocate()
        tails.deallocate()
    }

    var resolutionNs: Int64 { 1 << shift }

    /// Blocks in use (for tests: the pool recycles them).
    var blocksInUse: Int { blocks.inUse }

    /// Starts loading the slot an entry due at `due` would go to, without
    /// the lock. At scale every slot is cold memory, reached through two
    /// misses in a chain: the slot's last block number, then the block. A
    /// sweep calls this for the jobs it queues and the run calls
    /// `prefetchSlotEnd` before its body, so the insert after the run finds
    /// both in cache instead of stalling twice. Only hints: any `due` is
    /// safe, and a slot changing meanwhile costs nothing but the hint.
    @inline(__always)
    func prefetchSlot(forDue due: Int64) {
        ctw_prefetch(tails + slotIndex(due))
    }

    /// Starts loading the block the next entry of that slot goes to (reads
    /// the slot: call it once `prefetchSlot` had time to land).
    @inline(__always)
    func prefetchSlotEnd(forDue due: Int64) {
        UnsafeRawPointer(blocks.chunks).withMemoryRebound(to: UnsafeRawPointer?.self, capacity: WheelBlocks.maxChunks) {
            ctw_prefetch_wheel_block(tails, $0, slotIndex(due), Int32(WheelBlocks.chunkBits), WheelBlocks.blockBytes)
        }
    }

    @inline(__always) private func slotIndex(_ due: Int64) -> Int { Int((due >> shift) & Self.mask) }

    @inline(__always)
    func insert(_ job: Job, due: Int64) {
        count += 1
        let tick = due >> shift
        if tick < current {
            overdue.append(job)
        } else if tick - current < Int64(Self.slotCount) {
            let i = Int(tick & Self.mask)
            var last = tails[i]
            if last == WheelBlocks.none {
                last = blocks.allocate()
                heads[i] = last
                tails[i] = last
                occupied[i >> 6] |= 1 << UInt64(i & 63)
            } else if blocks.isFull(last) {
                let added = blocks.allocate()
                blocks.setNext(last, added)
                tails[i] = added
                last = added
            }
            blocks.append(job, to: last)
        } else {
            far.insert(FarEntry(due: due, job: job))
        }
    }

    /// Inserts many entries, loading each one's slot a few entries ahead:
    /// at a million jobs every slot is cold memory, and one miss at a time
    /// was most of a bulk submit's time.
    func insert(contentsOf entries: ContiguousArray<(job: Job, due: Int64)>) {
        // Two misses in a chain per entry (see `prefetchSlot`): ask for
        // each a few entries before the next step needs it.
        let first = 16, second = 8
        entries.withUnsafeBufferPointer { entries in
            let n = entries.count
            for k in -first..<n {
                if k + first < n { prefetchSlot(forDue: entries[k + first].due) }
                if k + second < n && k + second >= 0 { prefetchSlotEnd(forDue: entries[k + second].due) }
                if k >= 0 { insert(entries[k].job, due: entries[k].due) }
            }
        }
    }

    /// Moves every entry whose slot has ended by `now` into `out`.
    func collectDue(now: Int64, into out: inout ContiguousArray<Job>) {
        let nowTick = now >> shift
        if !overdue.isEmpty {
            count -= overdue.count
            if out.isEmpty { swap(&out, &overdue) } else { out.append(contentsOf: overdue); overdue.removeAll(keepingCapacity: true) }
        }
        while current < nowTick {
            guard let tick = firstOccupiedTick(from: current, below: nowTick) else {
                current = nowTick
                break
            }
            let i = Int(tick & Self.mask)
            let before = out.count
            var b = heads[i]
            while b != WheelBlocks.none {
                blocks.moveEntries(of: b, to: &out)
                let next = blocks.next(b)
                blocks.release(b)
                b = next
            }
            heads[i] = WheelBlocks.none
            tails[i] = WheelBlocks.none
            count -= out.count - before
            occupied[i >> 6] &= ~(1 << UInt64(i & 63))
            current = tick + 1
        }
        // Bring far entries within the horizon into the wheel (or out, if due).
        while let first = far.min, (first.due >> shift) - current < Int64(Self.slotCount) {
            let entry = far.removeMin()
            count -= 1
            if entry.due >> shift < current { out.append(entry.job) } else { insert(entry.job, due: entry.due) }
        }
    }

    /// Copies entries in due order without removing them, for a window
    /// sorted by next due: the overdue ones, then slot after slot from the
    /// current one, until `enough(copied, coveredUntil)` says so at the end
    /// of a slot, or the wheel's horizon. Within a slot entries are in no
    /// order, and stale ones are included (the caller checks each job).
    /// Returns the instant before which every entry was copied, and whether
    /// that is every entry there is (nothing left in the far heap).
    func copyInDueOrder(into out: inout ContiguousArray<Job>,
                        enough: (_ copied: Int, _ coveredUntil: Int64) -> Bool) -> (coveredUntil: Int64, all: Bool) {
        out.append(contentsOf: overdue)
        let horizon = current + Int64(Self.slotCount)
        var covered = current << shift
        var tick = current
        while !enough(out.count, covered) {
            guard let found = firstOccupiedTick(from: tick, below: horizon) else {
                covered = horizon << shift
                return (covered, far.isEmpty)
            }
            var b = heads[Int(found & Self.mask)]
            while b != WheelBlocks.none { blocks.copyEntries(of: b, to: &out); b = blocks.next(b) }
            tick = found + 1
            covered = tick << shift
        }
        return (covered, false)
    }

    /// How many entries (stale ones included) lie in slots that end by
    /// `due`'s slot, or nil once that passes `limit`: what copying them in
    /// due order would cost, read from the blocks' counts alone.
    func entries(through due: Int64, atMost limit: Int) -> Int? {
        var n = overdue.count
        let last = Swift.min(due >> shift, current + Int64(Self.slotCount) - 1)
        var tick = current
        while n <= limit, tick <= last, let found = firstOccupiedTick(from: tick, below: last + 1) {
            var b = heads[Int(found & Self.mask)]
            while b != WheelBlocks.none { n += blocks.count(b); b = blocks.next(b) }
            tick = found + 1
        }
        return n <= limit ? n : nil
    }

    /// The earliest instant at which `collectDue` may return something, or nil when empty.
    func nextWake() -> Int64? {
        if !overdue.isEmpty { return current << shift }
        let horizon = current + Int64(Self.slotCount)
        if let tick = firstOccupiedTick(from: current, below: horizon) { return (tick + 1) << shift }
        // A far entry, like any other, fires once its slot has ended.
        if let first = far.min { return ((first.due >> shift) + 1) << shift }
        return nil
    }

    /// The first occupied tick in [from, below), scanning the bitmap a word at a time.
    private func firstOccupiedTick(from: Int64, below: Int64) -> Int64? {
        var tick = from
        let limit = Swift.min(below, from + Int64(Self.slotCount))
        while tick < limit {
            let i = Int(tick & Self.mask)
            let word = occupied[i >> 6] >> UInt64(i & 63)
            if word != 0 {
                let found = tick + Int64(word.trailingZeroBitCount)
                return found < limit ? found : nil
            }
            tick += Int64(64 - (i & 63))
        }
        return nil
    }
}
