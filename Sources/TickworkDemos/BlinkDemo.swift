import Tickwork

/// Seed 000's blinking buttons, done the safe way: one periodic animation
/// job drives sixteen "LEDs" in step — a light sweeping back and forth —
/// and touches no screen. The dashboard's sampler reads the LEDs with the
/// rest of a frame and the main loop draws them, so the values reach the
/// screen only through the main loop, never from the job's thread.
public final class BlinkDemo: Demo, @unchecked Sendable {
    public let group = "blink"
    public let count: Int
    public let period: Duration
    /// Guarded by `lock`: the tick and the LEDs it set.
    private let lock = Lock()
    private var tick = 0
    private var leds: [Bool]
    private var jobID: JobID?
    private weak var engine: Engine?

    public init(count: Int = 16, period: Duration = .milliseconds(125)) {
        self.count = max(2, count); self.period = period
        leds = Array(repeating: false, count: self.count)
    }

    public func start(on engine: Engine) throws {
        self.engine = engine
        let id = try engine.submit(JobSpec(name: "blink.animator", group: group, schedule: .every(period)) { [weak self] _ in
            self?.advance()
        })
        lock.withLock { jobID = id }
    }

    /// The lit LED of tick `t`: a sweep from one end to the other and back.
    public static func lit(at t: Int, count: Int) -> Int {
        let span = 2 * (count - 1)
        let p = t % span
        return p < count ? p : span - p
    }

    private func advance() {
        lock.withLock {
            tick += 1
            let on = Self.lit(at: tick, count: count)
            // A short tail behind the light, so the sweep reads as motion.
            let behind = Self.lit(at: max(0, tick - 1), count: count)
            for i in 0..<count { leds[i] = i == on || i == behind }
        }
    }

    /// The tick and the LEDs as one consistent frame.
    public var frame: (tick: Int, leds: [Bool]) { lock.withLock { (tick, leds) } }

    public func figures() -> [DemoFigure] {
        let f = frame
        let misses = lock.withLock { jobID }.flatMap { engine?.info($0)?.misses } ?? 0
        return [DemoFigure("leds", String(f.leds.map { $0 ? "#" : "." })),
                DemoFigure("ticks", f.tick), DemoFigure("missed", misses)]
    }
}
