import Synchronization
import Tickwork

/// Fandango's ThreadDict (seed 004): keys refreshed in the background, each
/// at its own period, into a cache whose values expire. Readers never wait
/// for a refresh: they get the cached value at once and learn whether it is
/// stale. One upstream is flaky — it fails or hangs past its expiry now and
/// then — so its value goes stale, is marked, and recovers.
public final class PollDemo: Demo, @unchecked Sendable {
    public let group = "poll"

    /// A key and how it is refreshed.
    public struct Key: Sendable {
        public var name: String
        public var period: Duration
        /// Fails or stalls on some refreshes.
        public var flaky: Bool
    }
    public static let keys: [Key] = [
        Key(name: "net.latency_ms", period: .milliseconds(500), flaky: false),
        Key(name: "sensor.temp_c", period: .seconds(1), flaky: false),
        Key(name: "queue.backlog", period: .milliseconds(1500), flaky: false),
        Key(name: "sensor.humidity", period: .seconds(2), flaky: false),
        Key(name: "upstream.price", period: .seconds(2), flaky: true),
        Key(name: "disk.free_gb", period: .seconds(5), flaky: false),
    ]

    /// One cached value: when it was read and when it stops being fresh.
    struct Entry { var value: Double; var atNs: Int64; var expiresNs: Int64 }

    /// Guarded by `lock`: the cache and the counters.
    private let lock = Lock()
    private var cache: [String: Entry] = [:]
    /// One generator per key, so a seed gives each key the same draws
    /// whichever thread refreshes which key first.
    private let random: [String: DemoRandom]
    private var reads = 0
    private var staleReads = 0
    private var refreshErrors = 0
    private var refreshes = 0
    private weak var engine: Engine?

    struct UpstreamError: Error, CustomStringConvertible { var description: String }

    public init(seed: UInt64? = nil) {
        random = Dictionary(uniqueKeysWithValues: Self.keys.enumerated().map { i, key in
            (key.name, DemoRandom(seed: seed.map { $0 &+ UInt64(i) &* 0x9E37_79B9_7F4A_7C15 }))
        })
    }

    public func start(on engine: Engine) throws {
        self.engine = engine
        var specs = Self.keys.map { key in
            JobSpec(name: "poll.refresh \(key.name)", group: group, schedule: .every(key.period), backoff: nil) { [weak self] ctx in
                try self?.refresh(key, ctx)
            }
        }
        specs.append(JobSpec(name: "poll.reader", group: group, schedule: .every(.milliseconds(250))) { [weak self] ctx in
            self?.readAll(ctx)
        })
        try engine.submit(contentsOf: specs)
    }

    /// Reads the key's source (20–200 ms of I/O; the flaky one sometimes
    /// fails, or stalls for three periods) and caches the value.
    private func refresh(_ key: Key, _ ctx: JobContext) throws {
        let draw = random[key.name]!
        let (latency, outcome, value) = (draw.milliseconds(20...200), draw.unit(), draw.unit())
        if key.flaky && outcome < 0.15 {
            lock.withLock { refreshErrors += 1 }
            throw UpstreamError(description: "\(key.name): upstream returned HTTP 502")
        }
        let stall = key.flaky && outcome < 0.3
        ctx.status(stall ? "upstream is slow" : "reading")
        guard ctx.sleep(for: stall ? key.period * 3 : latency) else { return }
        let now = ctx.now()
        lock.withLock {
            let old = cache[key.name]?.value ?? value * 100
            cache[key.name] = Entry(value: old + (value - 0.5) * 2, atNs: now, expiresNs: now + 2 * key.period.nanoseconds)
            refreshes += 1
        }
    }

    /// What a program's hot path does: read every key, never waiting.
    private func readAll(_ ctx: JobContext) {
        let now = ctx.now()
        lock.withLock {
            for key in Self.keys {
                reads += 1
                if let e = cache[key.name], e.expiresNs >= now { continue }
                staleReads += 1
            }
        }
    }

    /// A key's cached value and its age, or nil if never read; `stale` once past its expiry.
    public func lookup(_ name: String) -> (value: Double, ageNs: Int64, stale: Bool)? {
        guard let now = engine?.clock.now() else { return nil }
        return lock.withLock {
            cache[name].map { ($0.value, now - $0.atNs, now > $0.expiresNs) }
        }
    }

    public var counts: (reads: Int, staleReads: Int, refreshes: Int, refreshErrors: Int) {
        lock.withLock { (reads, staleReads, refreshes, refreshErrors) }
    }

    public func figures() -> [DemoFigure] {
        let c = counts
        var out = [DemoFigure("reads", c.reads), DemoFigure("stale_reads", c.staleReads),
                   DemoFigure("refreshes", c.refreshes), DemoFigure("refresh_errors", c.refreshErrors)]
        for key in Self.keys {
            guard let v = lookup(key.name) else { out.append(DemoFigure(key.name, "(none yet)")); continue }
            let text = format2(v.value)
            out.append(DemoFigure(key.name, v.stale ? "\(text) STALE \(v.ageNs / 100_000_000 / 10).\(v.ageNs / 100_000_000 % 10)s" : text))
        }
        return out
    }
}
