/// The first pages by next due, read from the timer wheel: it already holds
/// every due job by its due time, so the window costs a few slots' entries,
/// not a pass over every job (≈100 ms at a million).
extension JobView {
    /// Candidates copied at most: past this an anchor is too deep for the
    /// wheel to be the cheaper path.
    static let wheelBudget = 50_000

    /// The window, or nil when the wheel cannot answer it alone: another
    /// order or a text or group filter; a window reaching past the due jobs;
    /// an anchor that is not due, or too deep.
    func nextDueFromWheel() -> JobPage? {
        guard query.sort == .nextDue, !query.descending, needle == nil, groupFilter == nil else { return nil }
        if let states = query.states, !states.contains(.scheduled) && !states.contains(.failed) { return nil }
        guard let matching = countMatching() else { return nil }
        let anchored = anchor(Int64.self)
        var anchorDue: Int64?
        if let anchored, let due = anchored.ranked?.key {
            guard due != .max else { return nil }
            anchorDue = due
        }
        let want = query.offset + query.limit
        // Too deep for the wheel: decided before copying anything, since a
        // copy holds the timer's lock and retains each job it copies.
        let beyondAnchor = 2 * query.limit + 64
        if anchorDue == nil && 2 * want + 64 > Self.wheelBudget { return nil }
        var candidates = ContiguousArray<Job>()
        var copiedAtAnchor: Int?
        let copiedUntil: Int64? = engine.due.lock.withLock {
            if let anchorDue, engine.due.wheel.entries(through: anchorDue, atMost: Self.wheelBudget - beyondAnchor) == nil {
                return nil
            }
            return engine.due.wheel.copyInDueOrder(into: &candidates) { copied, covered in
                if copied > Self.wheelBudget { return true }
                guard let anchorDue else { return copied >= 2 * want + 64 }
                if covered <= anchorDue { return false }
                if copiedAtAnchor == nil { copiedAtAnchor = copied }
                return copied - copiedAtAnchor! >= beyondAnchor
            }.coveredUntil
        }
        guard let covered = copiedUntil, candidates.count <= Self.wheelBudget else { return nil }
        // Each job once, due before `covered` (later ones were not all read), and matching.
        var seen = Set<JobID>()
        var due: [Ranked<Int64>] = []
        due.reserveCapacity(candidates.count)
        for job in candidates {
            guard let r: Ranked<Int64> = rank(job), r.key < covered, seen.insert(job.id).inserted else { continue }
            due.append(r)
        }
        due.sort()
        var start = query.offset
        var anchorIndex: Int?
        if let anchored, anchored.ranked != nil {
            guard let i = due.firstIndex(where: { $0.id == anchored.job.id }) else { return nil }
            anchorIndex = i
            start = windowStart(anchorIndex: i, matching: matching)
        }
        // The window must lie among the due jobs read; one that reaches the
        // jobs with no next run (they sort after, by id) takes the full pass.
        guard start + query.limit <= due.count else { return nil }
        let slice = due[start..<(start + query.limit)]
        return JobPage(matching: matching, jobs: slice.map { info($0.job.takeUnretainedValue()) }, offset: start,
                       anchorIndex: anchorIndex, anchorInfo: anchored.map { info($0.job) })
    }
}
