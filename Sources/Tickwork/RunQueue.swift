import DequeModule
import HeapModule

/// How a named run queue is set up.
public struct RunQueueConfig: Sendable, Equatable {
    public static let defaultName = "default"
    public var name: String
    public var capacity: Int
    public var order: QueueOrder
    public var whenFull: QueueFullPolicy
    /// Relative share of worker attention when several queues have work.
    public var weight: Int

    /// Throws `EngineError.invalidConfiguration` for an empty name, a
    /// capacity below 1 or a weight outside 1…1000.
    public init(name: String, capacity: Int = 100_000, order: QueueOrder = .fifo,
                whenFull: QueueFullPolicy = .rejectNewest, weight: Int = 1) throws(EngineError) {
        self.init(checkedName: name, capacity: capacity, order: order, whenFull: whenFull, weight: weight)
        try validate()
    }

    /// Throws what is wrong (the fields are `var`s: the engine checks again
    /// when it is given a queue).
    public func validate() throws(EngineError) {
        guard !name.isEmpty else { throw .invalidConfiguration("a queue needs a name") }
        guard capacity >= 1 else { throw .invalidConfiguration("queue '\(name)': capacity must be at least 1 (got \(capacity))") }
        guard (1...1000).contains(weight) else { throw .invalidConfiguration("queue '\(name)': weight must be 1…1000 (got \(weight))") }
    }

    /// Settings known to be valid (the engine's own defaults).
    init(checkedName name: String, capacity: Int = 100_000, order: QueueOrder = .fifo,
         whenFull: QueueFullPolicy = .rejectNewest, weight: Int = 1) {
        self.name = name; self.capacity = capacity; self.order = order; self.whenFull = whenFull
        self.weight = weight
    }
}

/// A run waiting for a worker.
struct RunItem {
    let job: Job
    let due: Int64
    let enqueuedNs: Int64
    let seq: UInt64
    let priority: Int
}

/// A bounded queue of runs. Not thread-safe: guarded by the dispatch lock.
/// A class: the dispatcher scans its queues on every pop, and copying a
/// struct holding a Deque and a Heap there showed up in profiles.
final class RunQueue {
    let config: RunQueueConfig
    @exclusivity(unchecked) private var deque = Deque<RunItem>()
    @exclusivity(unchecked) private var heap = Heap<Prioritised>()
    @exclusivity(unchecked) var paused = false
    @exclusivity(unchecked) var overflow = 0
    @exclusivity(unchecked) var enqueued = 0
    @exclusivity(unchecked) var dequeued = 0
    @exclusivity(unchecked) var maxDepth = 0
    /// Smoothed run duration of this queue's jobs, in ns: used to decide how
    /// many workers to wake for a batch.
    @exclusivity(unchecked) var meanRunNs: Double = 1_000_000

    struct Prioritised: Comparable {
        let item: RunItem
        // Heap.max = highest priority, then oldest.
        static func < (a: Prioritised, b: Prioritised) -> Bool {
            a.item.priority != b.item.priority ? a.item.priority < b.item.priority : a.item.seq > b.item.seq
        }
        static func == (a: Prioritised, b: Prioritised) -> Bool { a.item.seq == b.item.seq }
    }

    init(config: RunQueueConfig) { self.config = config }

    var depth: Int { config.order == .priority ? heap.count : deque.count }
    var isEmpty: Bool { depth == 0 }

    /// Adds a run; returns the run that was refused or evicted, if any.
    func push(_ item: RunItem) -> RunItem? {
        var refused: RunItem?
        if depth >= config.capacity {
            overflow += 1
            switch config.whenFull {
            case .rejectNewest: return item
            case .dropOldest: refused = removeOldest()
            }
        }
        if config.order == .priority { heap.insert(Prioritised(item: item)) } else { deque.append(item) }
        enqueued += 1
        maxDepth = Swift.max(maxDepth, depth)
        return refused
    }

    func pop() -> RunItem? {
        let item: RunItem?
        switch config.order {
        case .fifo: item = deque.popFirst()
        case .lifo: item = deque.popLast()
        case .priority: item = heap.popMax()?.item
        }
        if item != nil { dequeued += 1 }
        return item
    }

    /// The enqueue time of the run that has waited longest.
    var oldestEnqueuedNs: Int64? {
        switch config.order {
        case .fifo: return deque.first?.enqueuedNs
        case .lifo: return deque.first?.enqueuedNs
        case .priority: return heap.unordered.map(\.item.enqueuedNs).min()
        }
    }

    private func removeOldest() -> RunItem? {
        if config.order == .priority {
            guard let oldest = heap.unordered.min(by: { $0.item.seq < $1.item.seq }) else { return nil }
            var rest = heap.unordered.filter { $0.item.seq != oldest.item.seq }
            heap = Heap(rest)
            rest.removeAll()
            return oldest.item
        }
        return deque.popFirst()
    }

    /// Removes every waiting run of `job` (cancel, pause); returns how many.
    func remove(job: Job) -> Int {
        if config.order == .priority {
            let before = heap.count
            let kept = heap.unordered.filter { $0.item.job !== job }
            if kept.count != before { heap = Heap(kept) }
            return before - kept.count
        }
        let before = deque.count
        if deque.contains(where: { $0.job === job }) {
            deque = Deque(deque.filter { $0.job !== job })
        }
        return before - deque.count
    }

    /// Removes and returns everything (shutdown).
    func removeAll() -> [RunItem] {
        // An empty queue returns a literal: `Array(emptyDeque)` writes the
        // count into the runtime's shared empty-array storage, which
        // ThreadSanitizer reports as a race between two engines shutting
        // down at once (seen in the test suite).
        guard !isEmpty else { return [] }
        let all = config.order == .priority ? heap.unordered.map(\.item) : Array(deque)
        deque.removeAll(); heap = Heap()
        return all
    }
}
