#if canImport(Glibc)
import Glibc
#endif
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

    /// Jobs per state, summed from every thread's tally (no snapshot's rates).
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
        job.state == .scheduled || (job.state == .failed && !job.gaveUp && !job.stuck)
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
        groupFilter = query.group.map { [groups] g in Int32(groups.firstIndex(of: g) ?? -1) }
        stripeMutexes = engine.stripes.map(\.mutex)
        needsLock = query.states != nil || ![.id, .name, .group, .schedule].contains(query.sort)
    }

    var filters: Bool { query.states != nil || needle != nil || groupFilter != nil }

    func info(_ job: Job) -> JobInfo { engine.info(job, groups: groups, queues: queueNames) }

    func lookup(_ id: JobID) -> Job? {
        table[Int(id.rawValue) - 1]
    }

    /// Whether ranking needs the job's mutable fields (its stripe lock):
    /// not for a sort by what never changes (id, name, group, schedule)
    /// with no state filter.
    let needsLock: Bool
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
    /// (Taking each stripe's lock once for the jobs under it was tried: the
    /// strided walk's cache misses cost more than the locks it saved.)
    func forEachRanked(_ body: (Ranked) -> Void) {
        table.forEachUnretained { ref in
            if let r = ref._withUnsafeGuaranteedRef({ rank($0) }) { body(r) }
        }
    }

    /// The job's sort key if it passes the filter (stripe lock taken briefly, when needed).
    func rank(_ job: Job) -> Ranked? {
        guard passesFixedFilters(job) else { return nil }
        guard needsLock else { return keyLocked(job, state: .scheduled) }
        let mutex = stripeMutexes[job.stripe]
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return keyLocked(job, state: job.state)
    }

    /// The key, with the stripe lock held (or not needed: `state` is then unused).
    @inline(__always)
    private func keyLocked(_ job: Job, state: JobState) -> Ranked? {
        if let states = query.states, !states.contains(state) { return nil }
        let key: SortValue
        switch query.sort {
        case .id: key = .int(Int64(job.id.rawValue))
        case .name: key = .text(job.name)
        case .group: key = .text(groups[Int(job.groupIndex)])
        case .state: key = .int(Int64(state.order))
        case .schedule:
            // Text made only when this order is asked for.
            key = .text(Schedule(kind: job.kind, initialDelayNs: job.policy.initialDelayNs, jitterNs: job.policy.jitterNs).description)
        case .nextDue: key = .int(Engine.isDue(job) ? job.nextDue : Int64.max)
        case .lastDuration: key = .int(job.lastDurationNs)
        case .runs: key = .int(Int64(job.runs))
        case .errors: key = .int(Int64(job.errors))
        case .lateness: key = .int(job.lastLatenessNs)
        case .status: key = .text(job.extras?.statusText ?? job.extras?.lastError?.message ?? "")
        }
        return Ranked(key: key, id: job.id, job: Unmanaged.passUnretained(job), descending: query.descending)
    }

    /// The anchor's record and, if it still matches, its sort key.
    func anchor() -> (job: Job, ranked: Ranked?)? {
        guard let id = query.anchor, let job = lookup(id) else { return nil }
        return (job, rank(job))
    }

    /// Where a window of `limit` rows starts so the anchor (at `index`) sits at `anchorRow`.
    func windowStart(anchorIndex index: Int, matching: Int) -> Int {
        clamp(index - Swift.min(query.anchorRow, Swift.max(0, query.limit - 1)), 0, Swift.max(0, matching - query.limit))
    }

    private func clamp(_ v: Int, _ lo: Int, _ hi: Int) -> Int { Swift.min(Swift.max(v, lo), Swift.max(lo, hi)) }

    /// The listed jobs in the listed order, those that still match.
    func pinnedPage(_ ids: [JobID]) -> JobPage {
        let jobs = ids.prefix(Swift.max(query.limit, 0)).compactMap(lookup).filter { rank($0) != nil }
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
        let anchored = anchor()
        if let anchored {
            let rank = table.liveBefore(slot: Int(anchored.job.id.rawValue) - 1)
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
        let anchored = anchor()
        var offset = query.offset
        var anchorIndex: Int?
        if let anchored, anchored.ranked != nil {
            // Matches before the anchor in this order, walking from the near end.
            var before = 0
            table.walk(fromRank: 0, descending: query.descending) { j in
                if j === anchored.job { return false }
                if rank(j) != nil { before += 1 }
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
                guard rank(j) != nil else { return true }
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
        let anchored = anchor()
        if let anchored, let key = anchored.ranked { return anchoredSortedPage(anchor: key, record: anchored.job) }
        let fromTheEnd = query.offset > table.live / 2
        // From the end: the entries at `offset…` are among the largest
        // (table count − offset), however many match.
        let keep = fromTheEnd ? Swift.max(0, table.live - query.offset) : query.offset + query.limit
        var best = Heap<Ranked>()
        var matching = 0
        // The entry a newcomer must beat, once the heap is full.
        var boundary: Boundary?
        forEachRanked { entry in
            matching += 1
            guard keep > 0 else { return }
            if best.count < keep {
                best.insert(entry)
            } else if let b = boundary, fromTheEnd ? b.order(of: entry) > 0 : b.order(of: entry) < 0 {
                if fromTheEnd { _ = best.removeMin() } else { _ = best.removeMax() }
                best.insert(entry)
            } else if boundary != nil { return }
            if best.count == keep { boundary = Boundary(fromTheEnd ? best.min! : best.max!) }
        }
        var ordered: [Ranked] = []
        ordered.reserveCapacity(best.count)
        while let e = best.popMin() { ordered.append(e) }
        let firstIndex = fromTheEnd ? matching - ordered.count : 0   // the index of ordered[0]
        let slice = ordered.dropFirst(Swift.max(0, query.offset - firstIndex)).prefix(query.limit)
        return JobPage(matching: matching, jobs: slice.map { info($0.job.takeUnretainedValue()) }, offset: query.offset,
                       anchorInfo: anchored.map { info($0.job) })
    }

    /// The window around a matching anchor: the `limit` nearest jobs before
    /// it and after it are all a window placed anywhere around it can hold.
    private func anchoredSortedPage(anchor: Ranked, record: Job) -> JobPage {
        let reach = Swift.max(query.limit, 1)
        var before = Heap<Ranked>(), after = Heap<Ranked>()
        var matching = 0, anchorRank = 0
        forEachRanked { entry in
            matching += 1
            if entry.id == anchor.id { return }
            if entry < anchor {
                anchorRank += 1
                if before.count < reach { before.insert(entry) } else if before.min! < entry {
                    _ = before.removeMin(); before.insert(entry)
                }
            } else if after.count < reach { after.insert(entry) } else if entry < after.max! {
                _ = after.removeMax(); after.insert(entry)
            }
        }
        let firstIndex = anchorRank - before.count   // the index of ordered[0]
        var ordered: [Ranked] = []
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

/// The heap's boundary entry (its largest, or its smallest when keeping the
/// tail) with a text key's bytes ready: a million comparisons against it
/// then read one name each, not two.
struct Boundary {
    let entry: Ranked
    let bytes: [UInt8]?
    init(_ entry: Ranked) {
        self.entry = entry
        if case .text(let t) = entry.key { bytes = Array(t.utf8) } else { bytes = nil }
    }

    /// -1, 0 or 1: where `candidate` falls against the boundary in the query's order.
    @inline(__always)
    func order(of candidate: Ranked) -> Int {
        let c: Int
        if let bytes, case .text(let t) = candidate.key { c = TextOrder.compare(t, bytes) }
        else { c = SortValue.compare(candidate.key, entry.key) }
        return Ranked.order(c, candidate, entry)
    }
}

/// A job with its sort key, ordered as the query asks (ties by id). The
/// job is unretained: the `JobView`'s table copy keeps it alive.
struct Ranked: Comparable {
    let key: SortValue
    let id: JobID
    let job: Unmanaged<Job>
    let descending: Bool
    static func < (a: Ranked, b: Ranked) -> Bool { order(SortValue.compare(a.key, b.key), a, b) < 0 }

    /// -1, 0 or 1 in the query's order, given the keys' comparison `c`: ties by id.
    @inline(__always)
    static func order(_ c: Int, _ a: Ranked, _ b: Ranked) -> Int {
        if c == 0 { return a.id == b.id ? 0 : (a.id < b.id ? -1 : 1) }
        return a.descending ? -c : c
    }
    static func == (a: Ranked, b: Ranked) -> Bool { a.id == b.id }
}

/// A sort key value. Text is in natural order (`TextOrder`), which tells
/// two different names apart, so equal keys mean equal bytes.
enum SortValue {
    case int(Int64)
    case text(String)

    /// -1, 0 or 1.
    @inline(__always)
    static func compare(_ a: SortValue, _ b: SortValue) -> Int {
        switch (a, b) {
        case (.int(let x), .int(let y)): return x == y ? 0 : (x < y ? -1 : 1)
        case (.text(let x), .text(let y)): return TextOrder.compare(x, y)
        case (.int, .text): return -1
        case (.text, .int): return 1
        }
    }
}
