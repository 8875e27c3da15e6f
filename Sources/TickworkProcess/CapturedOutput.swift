/// What a command wrote to one stream, bounded: the first half of the limit
/// and the last half, with a count of what fell between.
///
/// A command may print without end (a log flood, `yes`); keeping the head
/// and the tail shows how it started and how it ended in fixed memory.
/// Owned by the one thread reading the command's pipes.
public struct CapturedOutput: Sendable, Equatable {
    /// The first bytes written, up to half the limit.
    public private(set) var head: [UInt8] = []
    /// The last bytes written after the head, up to half the limit.
    public var tail: [UInt8] { ring.ordered }
    /// Every byte written, kept or not.
    public private(set) var totalBytes = 0
    private var ring: Ring
    private let headLimit: Int

    public init(limit: Int) {
        let half = Swift.max(1, limit / 2)
        headLimit = half
        ring = Ring(capacity: Swift.max(1, limit - half))
    }

    /// True when bytes between the head and the tail were dropped.
    public var truncated: Bool { totalBytes > head.count + ring.count }
    public var droppedBytes: Int { totalBytes - head.count - ring.count }

    mutating func append(_ bytes: UnsafeRawBufferPointer) {
        totalBytes += bytes.count
        var rest = bytes[...]
        let room = headLimit - head.count
        if room > 0 {
            let take = Swift.min(room, rest.count)
            head.append(contentsOf: rest.prefix(take))
            rest = rest.dropFirst(take)
        }
        if !rest.isEmpty { ring.append(rest) }
    }

    /// The kept text (invalid UTF-8 replaced), with a marked gap where
    /// bytes were dropped.
    public var text: String {
        let start = String(decoding: head, as: UTF8.self)
        guard ring.count > 0 else { return start }
        let end = String(decoding: ring.ordered, as: UTF8.self)
        guard truncated else { return start + end }
        return start + "\n… \(droppedBytes) bytes not kept …\n" + end
    }

    /// The last non-empty line kept, for a failure message.
    public var lastLine: String? {
        text.split(whereSeparator: \.isNewline).last.map(String.init)
    }
}

/// A byte ring of fixed capacity that keeps the newest bytes; copies in
/// at most two runs per append (a flood of 100 MB goes by in big chunks).
struct Ring: Sendable, Equatable {
    private var storage: [UInt8] = []
    private var next = 0            // where the next byte goes
    private(set) var count = 0
    let capacity: Int

    init(capacity: Int) { self.capacity = capacity }

    mutating func append(_ bytes: Slice<UnsafeRawBufferPointer>) {
        guard !bytes.isEmpty else { return }
        if storage.isEmpty { storage = [UInt8](repeating: 0, count: capacity) }
        let source = bytes.count > capacity ? bytes.suffix(capacity) : bytes
        let first = Swift.min(source.count, capacity - next)
        storage.withUnsafeMutableBytes { into in
            let base = source.startIndex
            UnsafeMutableRawBufferPointer(rebasing: into[next..<(next + first)])
                .copyMemory(from: UnsafeRawBufferPointer(rebasing: source[base..<(base + first)]))
            let rest = source.count - first
            if rest > 0 {
                UnsafeMutableRawBufferPointer(rebasing: into[0..<rest])
                    .copyMemory(from: UnsafeRawBufferPointer(rebasing: source[(base + first)...]))
            }
        }
        next = (next + source.count) % capacity
        count = Swift.min(capacity, count + source.count)
    }

    var ordered: [UInt8] {
        if count < capacity { return Array(storage.prefix(count)) }
        return Array(storage[next...] + storage[..<next])
    }
}
