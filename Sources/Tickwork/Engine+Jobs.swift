#if canImport(Glibc)
import Glibc
#endif
import CTickworkLinux
import HeapModule

/// Job windows: filtered, sorted, sliced, anchored or pinned. Readers take
/// each job's stripe lock briefly, never while a job runs.
extension Engine {
    /// A window of jobs. With the default order (submission) and no filter
    /// it touches only the slice; sorted by next due, its first pages come
    /// straight from the timer wheel; anything else is one pass over the
    /// jobs. An anchored query places the window around its anchor (a
    /// selection that follows its job); a pinned one reads the listed jobs only.
    public func jobs(_ query: JobQuery) -> JobPage {
        let view = JobView(engine: self, query: query)
        if let pinned = query.pinned { return view.pinnedPage(pinned) }
        if query.sort == .id && !view.filters { return view.submissionOrderPage() }
        if let page = view.filteredSubmissionOrderPage() { return page }
        if let page = view.nextDueFromWheel() { return page }
        return view.sortedPage()
    }

    /// Jobs per state, summed from every thread's tally (no whole snapshot).
    func stateTally() -> StateTally {
        var tally = StateTally()
        registryLock.withLock { tally.merge(controlTally) }
        timerStatsLock.withLock { tally.merge(timerTally) }
        dispatch.lock.withLock {
            tally.merge(retiredTally)
            for w in dispatch.workers + writtenOffWorkers { w.statsLock.withLock { tally.merge(w.tally) } }
        }
        return tally
    }

    /// Due to run at `nextDue`: scheduled, or failed and waiting to retry.
    /// Exactly the jobs with a live entry in the timer wheel; the order by
    /// next due puts every other job (paused ones too: they have no next
    /// run) after them, by id.
    static func isDue(_ job: Job) -> Bool {
        job.lifecycle.awaitsRun
    }
}

/// One query's reading of the job table: what it filters on, and the ways a
/// window is cut. A short-lived value on the caller's thread; its copy of
/// the table keeps every job alive, so the passes read them unretained.
struct JobView {
    let engine: Engine
    let query: JobQuery
    let table: JobTable
    let groups: [String]
    let queueNames: [String]
    let forgotten: Int
    /// The text filter as lowercased bytes, and which groups it matches.
    let needle: [UInt8]?
    let groupMatches: [Bool]
    /// Each group's place in natural order of the names (for the order by group).
    let groupRanks: [Int64]
    let groupFilter: Int32?

    init(engine: Engine, query: JobQuery) {
        self.engine = engine
        self.query = query
        (table, groups) = engine.registryLock.withLock { (engine.jobs, engine.groupNames) }
        forgotten = table.forgotten
        queueNames = engine.dispatch.lock.withLock { engine.dispatch.queues.map(\.config.name) }
        let needle = query.text.map(TextOrder.needle)
        self.needle = needle
        groupMatches = groups.map { g in needle.map { TextOrder.contains(g, lowercasedNeedle: $0) } ?? true }
        groupRanks = query.sort == .group ? Self.naturalRanks(of: groups) : []
        groupFilter = query.group.map { [groups] g in Int32(groups.firstIndex(of: g) ?? -1) }
        stripeMutexes = engine.stripes.map(\.mutex)
        needsLock = query.states != nil || ![.id, .name, .group, .schedule].contains(query.sort)
        allowedStates = query.states.map { $0.reduce(0) { $0 | 1 << UInt16($1.order) } }
    }

    /// Each name's place when the names are sorted in natural order.
    static func naturalRanks(of names: [String]) -> [Int64] {
        var ranks = [Int64](repeating: 0, count: names.count)
        let order = names.indices.sorted { TextOrder.compare(names[$0], names[$1]) < 0 }
        for (rank, index) in order.enumerated() { ranks[index] = Int64(rank) }
        return ranks
    }

    var filters: Bool { query.states != nil || needle != nil || groupFilter != nil }

    func info(_ job: Job) -> JobInfo { engine.info(job, groups: groups, queues: queueNames) }

    func lookup(_ id: JobID) -> Job? {
        table[id.slot]
    }

    /// Whether ranking needs the job's mutable fields (its stripe lock):
    /// not for a sort by what never changes (id, name, group, schedule)
    /// with no state filter.
    let needsLock: Bool
    /// The state filter as a bit per `JobState.order` (nil: every state).
    let allowedStates: UInt16?
    /// The stripe locks' mutexes, read without retaining a `Lock` per job
    /// (the engine keeps them alive; a pass over a million jobs felt the retains).
    let stripeMutexes: [UnsafeMutablePointer<pthread_mutex_t>]

    /// Passes the filters on what never changes (group, text).
    @inline(__always)
    func passesFixedFilters(_ job: Job) -> Bool {
        if let g = groupFilter, job.groupIndex != g { return false }
        if let needle, !groupMatches[Int(job.groupIndex)], !TextOrder.contains(job.name, lowercasedNeedle: needle) { return false }
        return true
    }

    /// Every job's sort key, those that pass the filter, in no order.
    /// A key that needs the stripe lock is read a stripe at a time: the
    /// four jobs of a page under one stripe share one lock and unlock, and
    /// their records are asked for two stripes ahead (a lock per job cost
    /// about a third more at a million jobs while workers ran; DECISIONS 27).
    ///
    /// `outwardFrom`: a key read without the lock is read from that job
    /// outwards, forwards to the end and then backwards from it to the
    /// start. Names given in submission order (`object-1`, `object-2`…)
    /// then arrive nearest the anchor first, so a window around it fills at
    /// once and the rest fall outside its bounds with one comparison each
    /// (in table order, every name below the anchor replaced the smallest
    /// kept: 350–390 ms by name at a million jobs, against 25–35 ms).
    @inline(__always)
    func forEachRanked<K: RankKey>(_: K.Type, outwardFrom anchor: Job? = nil, _ body: (Ranked<K>) -> Void) {
        guard needsLock else {
            guard let anchor else {
                table.forEachUnretained { ref in
                    if let r: Ranked<K> = ref._withUnsafeGuaranteedRef({ rank($0) }) { body(r) }
                }
                return
            }
            for descending in [false, true] {
                table.forEachUnretained(fromSlot: anchor.id.slot, descending: descending) { ref in
                    if let r: Ranked<K> = ref._withUnsafeGuaranteedRef({ rank($0) }) { body(r) }
                }
            }
            return
        }
        let stripes = Engine.stripeCount
        table.forEachPage(dense: { first, slots in
            // A page starts on a multiple of the stripe count (4096 = 4 · 1024),
            // so every `stripes`-th slot of it is under the same stripe.
            assert(first & (stripes - 1) == 0)
            let raw = UnsafeRawPointer(slots.baseAddress!)
            let stride = MemoryLayout<Job?>.stride
            @inline(__always) func prefetch(row: Int) {
                var k = row
                while k < slots.count {
                    // All three lines of the record: the due time lies in the third.
                    if let p = raw.load(fromByteOffset: k * stride, as: UnsafeRawPointer?.self) {
                        ctw_prefetch(p); ctw_prefetch(p + 64); ctw_prefetch(p + 128)
                    }
                    k += stripes
                }
            }
            prefetch(row: 0); prefetch(row: 1)
            for row in 0..<Swift.min(stripes, slots.count) {
                if row + 2 < stripes { prefetch(row: row + 2) }
                // Slot `first + row + k·stripes` holds job id `first + row + 1 + k·stripes`: one stripe.
                let mutex = stripeMutexes[(first + row + 1) & (stripes - 1)]
                pthread_mutex_lock(mutex)
                var k = row
                while k < slots.count {
                    if let p = raw.load(fromByteOffset: k * stride, as: UnsafeRawPointer?.self),
                       let r: Ranked<K> = Unmanaged<Job>.fromOpaque(p)._withUnsafeGuaranteedRef({ rankLocked($0) }) {
                        body(r)
                    }
                    k += stripes
                }
                pthread_mutex_unlock(mutex)
            }
        }, sparse: { job in
            if let r: Ranked<K> = rank(job) { body(r) }
        })
    }

    /// Whether the job passes the filters.
    func matches(_ job: Job) -> Bool {
        guard passesFixedFilters(job) else { return false }
        guard allowedStates != nil else { return true }
        let mutex = stripeMutexes[job.stripe]
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return passesStateFilter(job.state)
    }

    /// The job's sort key if it passes the filter (stripe lock taken briefly, when needed).
    @inline(__always)
    func rank<K: RankKey>(_ job: Job) -> Ranked<K>? {
        guard passesFixedFilters(job) else { return nil }
        guard needsLock else { return ranked(job, state: .scheduled) }
        let mutex = stripeMutexes[job.stripe]
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return passesStateFilter(job.state) ? ranked(job, state: job.state) : nil
    }

    /// The job's sort key if it passes the filter; its stripe lock held.
    @inline(__always)
    func rankLocked<K: RankKey>(_ job: Job) -> Ranked<K>? {
        guard passesFixedFilters(job), passesStateFilter(job.state) else { return nil }
        return ranked(job, state: job.state)
    }

    @inline(__always)
    private func ranked<K: RankKey>(_ job: Job, state: JobState) -> Ranked<K> {
        Ranked(key: K.read(job, state: state, in: self), id: job.id, job: Unmanaged.passUnretained(job),
               descending: query.descending)
    }

    @inline(__always)
    private func passesStateFilter(_ state: JobState) -> Bool {
        guard let allowedStates else { return true }
        return allowedStates & (1 << UInt16(state.order)) != 0
    }

    /// A numeric order's key (stripe lock held, or not needed).
    @inline(__always)
    func numericKey(_ job: Job, state: JobState) -> Int64 {
        switch query.sort {
        case .state: return Int64(state.order)
        case .group: return groupRanks[Int(job.groupIndex)]
        case .schedule: return Schedule.orderKey(job.kind)
        case .nextDue: return Engine.isDue(job) ? job.nextDue : Int64.max
        case .lastDuration: return job.lastDurationNs
        case .runs: return Int64(job.runs)
        case .errors: return Int64(job.errors)
        case .lateness: return job.lastLatenessNs
        default: return Int64(job.id.rawValue)
        }
    }

    /// A text order's key (stripe lock held, or not needed).
    @inline(__always)
    func textKey(_ job: Job) -> String {
        switch query.sort {
        case .status: return job.extras?.statusText ?? job.extras?.lastError?.message ?? ""
        default: return job.name
        }
    }

    /// The anchor's record and, if it still matches, its sort key.
    func anchor<K: RankKey>(_: K.Type) -> (job: Job, ranked: Ranked<K>?)? {
        guard let id = query.anchor, let job = lookup(id) else { return nil }
        return (job, rank(job))
    }

    /// The anchor's record and whether it still matches.
    func anchorMatch() -> (job: Job, matches: Bool)? {
        guard let id = query.anchor, let job = lookup(id) else { return nil }
        return (job, matches(job))
    }

    /// Where a window of `limit` rows starts so the anchor (at `index`) sits at `anchorRow`.
    func windowStart(anchorIndex index: Int, matching: Int) -> Int {
        clamp(index - Swift.min(query.anchorRow, Swift.max(0, query.limit - 1)), 0, Swift.max(0, matching - query.limit))
    }

    private func clamp(_ v: Int, _ lo: Int, _ hi: Int) -> Int { Swift.min(Swift.max(v, lo), Swift.max(lo, hi)) }

    /// The listed jobs in the listed order, those that still match.
    func pinnedPage(_ ids: [JobID]) -> JobPage {
        let jobs = ids.prefix(Swift.max(query.limit, 0)).compactMap(lookup).filter(matches)
        let anchorAt = query.anchor.flatMap { a in jobs.firstIndex { $0.id == a } }
        return JobPage(matching: jobs.count, jobs: jobs.map(info), offset: query.offset,
                       anchorIndex: anchorAt.map { query.offset + $0 },
                       anchorInfo: query.anchor.flatMap(lookup).map(info))
    }

    /// Submission order, no filter: walk to the slice, touching only the
    /// jobs shown (a dashboard pages through a million this way); whole
    /// pages before it are skipped by their live counts.
    func submissionOrderPage() -> JobPage {
        let matching = table.live
        var offset = query.offset
        var anchorIndex: Int?
        let anchored = anchorMatch()
        if let anchored {
            let rank = table.liveBefore(slot: anchored.job.id.slot)
            let index = query.descending ? matching - 1 - rank : rank
            anchorIndex = index
            offset = windowStart(anchorIndex: index, matching: matching)
        }
        var picked: [Job] = []
        picked.reserveCapacity(Swift.min(query.limit, 1024))
        if query.limit > 0 {
            table.walk(fromRank: offset, descending: query.descending) { job in
                picked.append(job)
                return picked.count < query.limit
            }
        }
        return JobPage(matching: matching, jobs: picked.map(info), offset: offset, anchorIndex: anchorIndex,
                       anchorInfo: anchored.map { info($0.job) })
    }

    /// Submission order with only a state filter (finished tasks hidden):
    /// walk from the near end until the window is filled, counting from the
    /// engine's tallies; an anchor is ranked by counting the matches before
    /// it. Nil when the count cannot be exact (forgotten finished jobs) or
    /// another filter is set.
    func filteredSubmissionOrderPage() -> JobPage? {
        guard query.sort == .id, needle == nil, groupFilter == nil, query.states != nil,
              let matching = countMatching() else { return nil }
        let anchored = anchorMatch()
        var offset = query.offset
        var anchorIndex: Int?
        if let anchored, anchored.matches {
            // Matches before the anchor in this order, walking from the near end.
            var before = 0
            table.walk(fromRank: 0, descending: query.descending) { j in
                if j === anchored.job { return false }
                if matches(j) { before += 1 }
                return true
            }
            anchorIndex = before
            offset = windowStart(anchorIndex: before, matching: matching)
        }
        // Deep windows walk from the far end, counting back.
        let fromTheEnd = offset > matching / 2
        let skip = fromTheEnd ? Swift.max(0, matching - offset - query.limit) : offset
        let take = fromTheEnd ? Swift.max(0, Swift.min(query.limit, matching - offset)) : query.limit
        let forward = query.descending == fromTheEnd
        var picked: [Job] = []
        var skipped = 0
        if take > 0 {
            table.walk(fromRank: 0, descending: !forward) { j in
                guard matches(j) else { return true }
                if skipped < skip { skipped += 1 } else { picked.append(j) }
                return picked.count < take
            }
        }
        if fromTheEnd { picked.reverse() }
        return JobPage(matching: matching, jobs: picked.map(info), offset: offset, anchorIndex: anchorIndex,
                       anchorInfo: anchored.map { info($0.job) })
    }

    /// How many jobs pass the state filter, from the engine's tallies; nil
    /// when that is not exact (finished jobs were forgotten and the filter
    /// counts finished states).
    func countMatching() -> Int? {
        let inTable = table.live
        guard let states = query.states else { return inTable }
        if forgotten > 0 && (states.contains(.retired) || states.contains(.cancelled)) { return nil }
        let tally = engine.stateTally()
        return states.reduce(0) { $0 + tally[$1] }
    }

    /// Any other order or a filter: one pass, keeping only the entries the
    /// window can need in a bounded heap — O(n log k) time and O(k) memory.
    /// A window in the second half keeps the largest entries instead (so
    /// End costs what Home does).
    func sortedPage() -> JobPage {
        if query.sort == .name { return sortedPage(NameKey.self) }
        return query.sort.isOtherText ? sortedPage(String.self) : sortedPage(Int64.self)
    }

    private func sortedPage<K: RankKey>(_: K.Type) -> JobPage {
        let anchored = anchor(K.self)
        if let anchored, let key = anchored.ranked { return anchoredSortedPage(anchor: key, record: anchored.job) }
        let fromTheEnd = query.offset > table.live / 2
        // From the end: the entries at `offset…` are among the largest
        // (table count − offset), however many match.
        let keep = fromTheEnd ? Swift.max(0, table.live - query.offset) : query.offset + query.limit
        var best = Heap<Ranked<K>>()
        var matching = 0
        // The entry a newcomer must beat, once the heap is full.
        var boundary: Boundary<K>?
        forEachRanked(K.self) { entry in
            matching += 1
            guard keep > 0 else { return }
            if best.count < keep {
                best.insert(entry)
            } else {
                // Read in place: `if let` would copy the boundary (a name and
                // its bytes: two retains and releases per job).
                guard let c = boundary?.order(of: entry), fromTheEnd ? c > 0 : c < 0 else { return }
                if fromTheEnd { _ = best.removeMin() } else { _ = best.removeMax() }
                best.insert(entry)
            }
            if best.count == keep { boundary = Boundary(fromTheEnd ? best.min! : best.max!) }
        }
        var ordered: [Ranked<K>] = []
        ordered.reserveCapacity(best.count)
        while let e = best.popMin() { ordered.append(e) }
        let firstIndex = fromTheEnd ? matching - ordered.count : 0   // the index of ordered[0]
        let slice = ordered.dropFirst(Swift.max(0, query.offset - firstIndex)).prefix(query.limit)
        return JobPage(matching: matching, jobs: slice.map { info($0.job.takeUnretainedValue()) }, offset: query.offset,
                       anchorInfo: anchored.map { info($0.job) })
    }

    /// The window around a matching anchor: the `limit` nearest jobs before
    /// it and after it are all a window placed anywhere around it can hold.
    private func anchoredSortedPage<K: RankKey>(anchor: Ranked<K>, record: Job) -> JobPage {
        let reach = Swift.max(query.limit, 1)
        var before = Heap<Ranked<K>>(), after = Heap<Ranked<K>>()
        var matching = 0, anchorRank = 0
        // Prepared keys (a name's bytes read once): the anchor, and each
        // full heap's boundary. Past a boundary an entry needs no other
        // comparison: beyond the after-heap's largest it is after the
        // anchor; below the before-heap's smallest, before it.
        let pivot = Boundary(anchor)
        var lowest: Boundary<K>?, highest: Boundary<K>?
        var lowFirst = false
        forEachRanked(K.self, outwardFrom: record) { entry in
            matching += 1
            if entry.id == anchor.id { return }
            // The bound that turned the last entry away is tried first: in an
            // outward walk it turns away most of the next ones too.
            if lowFirst, let c = lowest?.order(of: entry), c < 0 { anchorRank += 1; return }
            if let c = highest?.order(of: entry), c > 0 { lowFirst = false; return }
            if !lowFirst, let c = lowest?.order(of: entry), c < 0 { anchorRank += 1; lowFirst = true; return }
            if pivot.order(of: entry) < 0 {
                anchorRank += 1
                if before.count == reach { _ = before.removeMin() }
                before.insert(entry)
                if before.count == reach { lowest = Boundary(before.min!) }
            } else {
                if after.count == reach { _ = after.removeMax() }
                after.insert(entry)
                if after.count == reach { highest = Boundary(after.max!) }
            }
        }
        let firstIndex = anchorRank - before.count   // the index of ordered[0]
        var ordered: [Ranked<K>] = []
        ordered.reserveCapacity(before.count + 1 + after.count)
        while let e = before.popMin() { ordered.append(e) }
        ordered.append(anchor)
        while let e = after.popMin() { ordered.append(e) }
        let start = windowStart(anchorIndex: anchorRank, matching: matching)
        let slice = ordered.dropFirst(start - firstIndex).prefix(query.limit)
        return JobPage(matching: matching, jobs: slice.map { info($0.job.takeUnretainedValue()) }, offset: start,
                       anchorIndex: anchorRank, anchorInfo: info(record))
    }
}
