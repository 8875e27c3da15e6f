/// The last `capacity` values appended, oldest first, in one buffer that
/// is allocated whole at the first append and then overwritten in place.
/// A job's histories, log and recent errors are these: as growing arrays
/// trimmed from the front, each one's buffer doubled the first time it
/// passed a power of two, which a job running every few seconds did minutes
/// into its life, so a soak's memory crept for its first ten minutes.
/// `compact()` gives the spare room back once the job has finished.
///
/// A plain value; its owner's lock guards it (a job's stripe lock).
struct BoundedRing<Element> {
    let capacity: Int
    private var storage: [Element] = []
    /// Where the oldest value is, once the buffer is full.
    private var head = 0

    init(capacity: Int) { self.capacity = Swift.max(1, capacity) }

    var count: Int { storage.count }
    var isEmpty: Bool { storage.isEmpty }

    mutating func append(_ value: Element) {
        if storage.count < capacity {
            if storage.isEmpty { storage.reserveCapacity(capacity) }
            storage.append(value)
        } else {
            storage[head] = value
            head = head + 1 == capacity ? 0 : head + 1
        }
    }

    /// Oldest first.
    var elements: [Element] {
        head == 0 ? storage : Array(storage[head...] + storage[..<head])
    }

    /// Slots the buffer has room for: its allocation, not its count. The
    /// first append reserves `capacity` slots.
    var reservedSlots: Int { storage.capacity }

    /// Bytes of the buffer itself (its header and slots), not of what the
    /// elements point to; 0 before the first append.
    var bufferBytes: Int {
        storage.capacity == 0 ? 0 : 32 + storage.capacity * MemoryLayout<Element>.stride
    }

    /// The values kept, oldest first, moved into a fresh buffer no larger
    /// than they need; the old buffer is freed. (Reassigning the array to
    /// itself, or to `elements` when the head is at 0, keeps the same
    /// buffer and frees nothing.)
    mutating func compact() {
        guard storage.capacity > storage.count || head != 0 else { return }
        var fresh: [Element] = []
        fresh.reserveCapacity(storage.count)
        fresh.append(contentsOf: storage[head...])
        fresh.append(contentsOf: storage[..<head])
        storage = fresh
        head = 0
    }
}

extension BoundedRing: Sequence {
    func makeIterator() -> IndexingIterator<[Element]> { elements.makeIterator() }
}
