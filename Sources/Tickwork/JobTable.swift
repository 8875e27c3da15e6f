import CTickworkLinux

/// The job table: slot = id − 1, in pages of 4096 slots, so growing never
/// copies all references (at a million jobs a doubling copy would briefly
/// hold two 8 MB arrays) and a reader's copy-on-write snapshot costs one
/// page per write.
///
/// Forgotten jobs give their slots back, so the table costs what the live
/// jobs need, not every id ever issued:
/// - a page whose slots are all issued and whose live jobs fall to an
///   eighth of it turns sparse (a sorted list of its live jobs);
/// - a page with no live job left is freed, and leading freed pages are
///   dropped from the list altogether;
/// - each page counts its live jobs, so a reader finds the n-th live job,
///   or a job's rank, by skipping whole pages: paging costs the same
///   however many ids came before.
///
/// A value type; `Engine.registryLock` guards the engine's instance.
struct JobTable {
    static let pageBits = 12
    static let pageSize = 1 << pageBits
    /// A full page turns sparse at this many live jobs or fewer.
    static let sparseAt = pageSize / 8

    struct Page {
        /// Dense: slot within the page → job. Empty when sparse or freed.
        var slots: [Job?] = []
        /// Sparse: the live jobs and their slots within the page, by slot.
        var sparse: [(slot: UInt16, job: Job)] = []
        var live = 0
    }

    /// Pages dropped from the front (every job in them forgotten).
    private(set) var droppedPages = 0
    private var pages: [Page] = []
    /// Ids issued: the slot the next job takes.
    private(set) var count = 0
    /// Jobs in the table.
    private(set) var live = 0

    /// Pages in the list, and those of them held dense (for tests and figures).
    var pageCount: Int { pages.count }
    var densePages: Int { pages.reduce(0) { $0 + ($1.slots.isEmpty ? 0 : 1) } }

    /// Slots ever issued less live jobs.
    var forgotten: Int { count - live }

    /// The job in `slot`, if it is still in the table.
    subscript(slot: Int) -> Job? {
        guard slot >= 0 && slot < count else { return nil }
        let p = (slot >> Self.pageBits) - droppedPages
        guard p >= 0 else { return nil }
        let k = slot & (Self.pageSize - 1)
        let page = pages[p]
        if !page.slots.isEmpty { return page.slots[k] }
        return Self.find(UInt16(k), in: page.sparse).map { page.sparse[$0].job }
    }

    mutating func append(_ job: Job) {
        if count & (Self.pageSize - 1) == 0 {
            var page = Page()
            page.slots.reserveCapacity(Self.pageSize)
            pages.append(page)
        }
        pages[pages.count - 1].slots.append(job)
        pages[pages.count - 1].live += 1
        count += 1
        live += 1
    }

    /// Forgets the job in `slot`; returns it (nil if the slot was empty).
    @discardableResult
    mutating func remove(slot: Int) -> Job? {
        guard slot >= 0 && slot < count else { return nil }
        let p = (slot >> Self.pageBits) - droppedPages
        guard p >= 0 else { return nil }
        let k = slot & (Self.pageSize - 1)
        let removed: Job?
        if !pages[p].slots.isEmpty {
            removed = pages[p].slots[k]
            pages[p].slots[k] = nil
        } else if let i = Self.find(UInt16(k), in: pages[p].sparse) {
            removed = pages[p].sparse.remove(at: i).job
        } else {
            removed = nil
        }
        guard removed != nil else { return nil }
        pages[p].live -= 1
        live -= 1
        compact(page: p)
        return removed
    }

    /// Frees or thins a page whose slots are all issued (the last page
    /// still fills), then drops freed pages from the front.
    private mutating func compact(page p: Int) {
        let full = p < pages.count - 1 || count & (Self.pageSize - 1) == 0
        guard full else { return }
        if pages[p].live == 0 {
            pages[p] = Page()
        } else if pages[p].live <= Self.sparseAt && !pages[p].slots.isEmpty {
            var sparse: [(slot: UInt16, job: Job)] = []
            sparse.reserveCapacity(pages[p].live)
            for (k, job) in pages[p].slots.enumerated() { if let job { sparse.append((UInt16(k), job)) } }
            pages[p] = Page(slots: [], sparse: sparse, live: sparse.count)
        }
        var lead = 0
        while lead < pages.count - 1 && pages[lead].live == 0 { lead += 1 }
        if lead > 0 {
            pages.removeFirst(lead)
            droppedPages += lead
        }
    }

    private static func find(_ k: UInt16, in sparse: [(slot: UInt16, job: Job)]) -> Int? {
        var lo = 0, hi = sparse.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if sparse[mid].slot < k { lo = mid + 1 } else { hi = mid }
        }
        return lo < sparse.count && sparse[lo].slot == k ? lo : nil
    }

    /// Live jobs in slots before `slot`: whole pages by their counts, then
    /// the slots of the page `slot` is in.
    func liveBefore(slot: Int) -> Int {
        let target = Swift.min(Swift.max(slot, 0), count)
        let p = (target >> Self.pageBits) - droppedPages
        guard p >= 0 else { return 0 }
        var n = 0
        for q in 0..<Swift.min(p, pages.count) { n += pages[q].live }
        guard p < pages.count else { return n }
        let k = target & (Self.pageSize - 1)
        let page = pages[p]
        if !page.slots.isEmpty {
            for i in 0..<Swift.min(k, page.slots.count) where page.slots[i] != nil { n += 1 }
        } else {
            n += page.sparse.prefix { Int($0.slot) < k }.count
        }
        return n
    }

    /// Calls `body` with live jobs in slot order from the `rank`-th live
    /// job on (or, `descending`, from the `rank`-th counting from the
    /// last, backwards) until it returns false. Whole pages before the
    /// start are skipped by their counts.
    func walk(fromRank rank: Int, descending: Bool = false, _ body: (Job) -> Bool) {
        var skip = Swift.max(rank, 0)
        let step = descending ? -1 : 1
        var p = descending ? pages.count - 1 : 0
        while p >= 0 && p < pages.count {
            defer { p += step }
            let page = pages[p]
            if skip >= page.live { skip -= page.live; continue }
            if !page.slots.isEmpty {
                var i = descending ? page.slots.count - 1 : 0
                while i >= 0 && i < page.slots.count {
                    defer { i += step }
                    guard let job = page.slots[i] else { continue }
                    if skip > 0 { skip -= 1; continue }
                    if !body(job) { return }
                }
            } else {
                var i = descending ? page.sparse.count - 1 - skip : skip
                skip = 0
                while i >= 0 && i < page.sparse.count {
                    if !body(page.sparse[i].job) { return }
                    i += step
                }
            }
        }
    }

    /// Every live job, in slot order.
    func liveJobs() -> [Job] {
        var out: [Job] = []
        out.reserveCapacity(live)
        walk(fromRank: 0) { out.append($0); return true }
        return out
    }

    /// Calls `dense` with each dense page's first slot and its slots, and
    /// `sparse` with each job of a sparse page: for a pass that visits a
    /// page's jobs in its own order (by stripe lock).
    func forEachPage(dense: (_ firstSlot: Int, _ slots: UnsafeBufferPointer<Job?>) -> Void, sparse: (Job) -> Void) {
        for (p, page) in pages.enumerated() {
            if page.slots.isEmpty {
                for e in page.sparse { sparse(e.job) }
            } else {
                page.slots.withUnsafeBufferPointer { dense((droppedPages + p) << Self.pageBits, $0) }
            }
        }
    }

    /// Calls `body` with each job's raw reference (no retain: the caller's
    /// copy of the table keeps them alive), asking for the job `ahead`
    /// places on first: a pass over a million jobs is a miss per job, and
    /// misses asked for together overlap.
    func forEachUnretained(prefetchAhead ahead: Int = 8, _ body: (Unmanaged<Job>) -> Void) {
        forEachUnretained(fromSlot: 0, descending: false, prefetchAhead: ahead, body)
    }

    /// The same, from `slot` to the end, or (`descending`) from the slot
    /// before it back to the start.
    func forEachUnretained(fromSlot slot: Int, descending: Bool, prefetchAhead ahead: Int = 8,
                           _ body: (Unmanaged<Job>) -> Void) {
        let first = Swift.max(0, (slot >> Self.pageBits) - droppedPages)
        let within = slot >> Self.pageBits < droppedPages ? 0 : slot & (Self.pageSize - 1)
        let step = descending ? -1 : 1
        var p = Swift.min(first, pages.count - (descending ? 1 : 0))
        while p >= 0 && p < pages.count {
            defer { p += step }
            let page = pages[p]
            // The slots of this page to visit: [from, to) forwards, or (to, from] backwards.
            let start = p == first ? within : 0
            if page.slots.isEmpty {
                if descending {
                    for e in page.sparse.reversed() where p != first || Int(e.slot) < start { body(Unmanaged.passUnretained(e.job)) }
                } else {
                    for e in page.sparse where Int(e.slot) >= start { body(Unmanaged.passUnretained(e.job)) }
                }
                continue
            }
            page.slots.withUnsafeBufferPointer { buffer in
                guard let base = buffer.baseAddress else { return }
                let raw = UnsafeRawPointer(base)
                let stride = MemoryLayout<Job?>.stride
                var k = descending ? (p == first ? Swift.min(start, buffer.count) - 1 : buffer.count - 1) : start
                while k >= 0 && k < buffer.count {
                    let ahead = k + step * ahead
                    if ahead >= 0 && ahead < buffer.count, let next = raw.load(fromByteOffset: ahead * stride, as: UnsafeRawPointer?.self) {
                        ctw_prefetch(next)
                        ctw_prefetch(next + 64)
                    }
                    if let p = raw.load(fromByteOffset: k * stride, as: UnsafeRawPointer?.self) {
                        body(Unmanaged<Job>.fromOpaque(p))
                    }
                    k += step
                }
            }
        }
    }
}

extension JobID {
    /// The job's slot in the table: its number less one, or -1 (no slot)
    /// for a number no job has — 0, or one past `Int.max` from a socket.
    @inline(__always) var slot: Int {
        rawValue == 0 || rawValue > UInt64(Int.max) ? -1 : Int(rawValue) - 1
    }
}
