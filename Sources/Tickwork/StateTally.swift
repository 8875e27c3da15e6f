/// Counts of jobs per state, kept as deltas by each thread that moves jobs
/// (the timer, each worker, control calls) under that thread's own lock, and
/// summed when a snapshot is taken. This keeps per-run bookkeeping off any
/// shared lock. The sum is exact whenever no transition is mid-flight.
struct StateTally: Sendable {
    private(set) var counts = [Int](repeating: 0, count: JobState.caseCount)

    @inline(__always) mutating func move(_ from: JobState, _ to: JobState) {
        guard from != to else { return }
        counts[from.order] -= 1
        counts[to.order] += 1
    }

    @inline(__always) mutating func add(_ state: JobState, count: Int = 1) { counts[state.order] += count }

    mutating func merge(_ other: StateTally) {
        for i in counts.indices { counts[i] += other.counts[i] }
    }

    subscript(state: JobState) -> Int { counts[state.order] }
}
