/// How a run queue orders its waiting runs (the seeds' Queue, LifoQueue,
/// PriorityQueue).
public enum QueueOrder: String, Sendable, Codable, CaseIterable {
    case fifo, lifo, priority
}

/// What a full queue does with one more run. The timer thread never blocks.
public enum QueueFullPolicy: String, Sendable, Codable, CaseIterable {
    /// Refuse the new run (it is counted as an overflow and a miss of its job).
    case rejectNewest
    /// Evict the oldest waiting run to make room (counted the same way).
    case dropOldest
}

