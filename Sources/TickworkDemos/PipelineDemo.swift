import Synchronization
import Tickwork

/// Producer and consumer over a bounded queue (seeds 001 and 002:
/// `Queue(maxsize=10)`). The producer makes items in bursts, far faster
/// than the consumer "saves them to a database", so the queue pins at its
/// capacity and the producer blocks on `put` (its thread shows as waiting
/// on the full queue); between bursts the consumer drains it and blocks on
/// `take`. Stopping the demo stops the producer and lets the consumer
/// drain what is queued: nothing is lost, consumed == produced.
public final class PipelineDemo: Demo, @unchecked Sendable {
    public let group = "pipeline"
    public let capacity: Int
    private let random: DemoRandom
    private let queue: BoundedQueue
    private let blocked = Atomic<Int>(0)
    /// Set once at start; guarded by `producerLock`.
    private var producer: JobID?
    private let producerLock = Lock()

    public init(seed: UInt64? = nil, capacity: Int = 10) {
        random = DemoRandom(seed: seed)
        self.capacity = max(1, capacity)
        queue = BoundedQueue(capacity: self.capacity)
    }

    public func start(on engine: Engine) throws {
        let id = try engine.submit(JobSpec(name: "pipeline.producer", group: group, schedule: .adaptive()) { [weak self] ctx in
            guard let self else { return ctx.retire() }
            self.produceBurst(ctx)
        })
        producerLock.withLock { producer = id }
        try engine.submit(JobSpec(name: "pipeline.consumer", group: group, schedule: .adaptive()) { [weak self] ctx in
            guard let self else { return ctx.retire() }
            self.consumeOne(ctx)
        })
    }

    /// Winds down: the producer is cancelled (it has nothing in hand; a
    /// blocked `put` gives up) and the queue closed; the consumer drains
    /// what is queued, then retires.
    public func stop(on engine: Engine) {
        // Cancel first: a producer woken by the close then ends cancelled,
        // not retired.
        if let id = producerLock.withLock({ producer }) { _ = engine.cancel(id) }
        queue.close()
    }

    /// A burst of 15–25 items, 20 ms apart (when the queue lets it), then a quiet 2–4 s.
    private func produceBurst(_ ctx: JobContext) {
        let burst = random.int(15...25)
        for i in 0..<burst {
            let item = queue.counts.puts + 1
            ctx.progress(Double(i) / Double(burst), status: "making item \(item)")
            if queue.isFull { blocked.add(1, ordering: .relaxed) }
            let accepted = ctx.waiting(on: "pipeline queue full") { queue.put(item, unless: { ctx.isCancelled }) }
            guard accepted else { return ctx.retire() }   // closed (stopping) or cancelled
            ctx.sleep(for: .milliseconds(20))
        }
        ctx.progress(1, status: "burst of \(burst) done")
        if queue.isClosed { ctx.retire() } else { ctx.runAgain(after: random.milliseconds(2000...4000)) }
    }

    /// Takes one item (blocking while the queue is empty) and saves it for 120 ms.
    private func consumeOne(_ ctx: JobContext) {
        ctx.status("waiting for an item")
        guard let item = ctx.waiting(on: "pipeline queue empty", { queue.take(unless: { ctx.isCancelled }) }) else {
            return ctx.retire()   // closed and drained, or cancelled
        }
        ctx.status("saving item \(item) to the database")
        ctx.sleep(for: .milliseconds(120))
        queue.markDone()
        ctx.runAgain(after: .zero)
    }

    /// Items put, items saved, the depth now and its peak: one consistent
    /// reading (produced == consumed + depth + the one being saved, if any).
    public var counts: (produced: Int, consumed: Int, depth: Int, maxDepth: Int) {
        let c = queue.counts
        return (c.puts, c.done, c.puts - c.takes, c.maxDepth)
    }

    public func figures() -> [DemoFigure] {
        let c = counts
        return [DemoFigure("produced", c.produced), DemoFigure("consumed", c.consumed),
                DemoFigure("depth", c.depth), DemoFigure("max_depth", c.maxDepth),
                DemoFigure("capacity", capacity), DemoFigure("producer_blocked", blocked.load(ordering: .relaxed))]
    }
}

/// A FIFO of at most `capacity` items whose `put` blocks while it is full
/// and `take` while it is empty — Python's `Queue(maxsize)` — on a
/// `Monitor`, whose lock guards every `var`. Threads: any.
final class BoundedQueue: @unchecked Sendable {
    let capacity: Int
    private let monitor = Monitor()
    private var items: [Int] = []
    private var head = 0
    private var closed = false
    private var maxDepth = 0
    private var puts = 0, takes = 0, done = 0

    init(capacity: Int) { self.capacity = capacity }

    private var depth: Int { items.count - head }
    var isFull: Bool { monitor.read { depth >= capacity } }
    var isClosed: Bool { monitor.read { closed } }
    var counts: (puts: Int, takes: Int, done: Int, maxDepth: Int) { monitor.read { (puts, takes, done, maxDepth) } }
    /// The consumer finished with an item it took.
    func markDone() { monitor.update { done += 1 } }

    /// Adds `item`, waiting for room. False if the queue was closed or the caller gave up.
    func put(_ item: Int, unless giveUp: () -> Bool) -> Bool {
        var accepted = false
        _ = monitor.wait(until: { depth < capacity || closed }, unless: giveUp) {
            guard !closed else { return }
            items.append(item)
            puts += 1
            maxDepth = max(maxDepth, depth)
            accepted = true
        }
        return accepted
    }

    /// The oldest item, waiting for one. Nil once the queue is closed and
    /// empty, or if the caller gave up.
    func take(unless giveUp: () -> Bool) -> Int? {
        var item: Int?
        _ = monitor.wait(until: { depth > 0 || closed }, unless: giveUp) {
            guard depth > 0 else { return }
            item = items[head]
            head += 1
            takes += 1
            if head > 64 && head * 2 > items.count { items.removeFirst(head); head = 0 }
        }
        return item
    }

    /// No more puts; takes drain what is left.
    func close() { monitor.update { closed = true } }
}
