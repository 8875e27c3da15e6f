#if canImport(Glibc)
import Glibc
#endif
import Tickwork
import TickworkDemos

/// A demo's engine on a manual clock: tests move time by hand and settle
/// after each step, so nothing sleeps waiting for engine time.
struct ManualRig {
    let clock = ManualClock()
    let engine: Engine

    init(workers: Int) throws {
        engine = try Engine(EngineConfiguration(workers: workers, timerResolutionShift: 10, clock: clock))
    }

    /// Moves the clock `by`, then settles, `times` over; `after` runs after
    /// each step with its number (from 1).
    func step(_ times: Int, by: Duration = .milliseconds(100), after: (Int) -> Void = { _ in }) {
        for n in 1...max(1, times) {
            clock.advance(by: by)
            engine.settle()
            after(n)
        }
    }

    /// Steps until `done()` holds, at most `limit` times; true if it did.
    @discardableResult
    func step(until done: () -> Bool, limit: Int, by: Duration = .milliseconds(100)) -> Bool {
        for _ in 0..<limit where !done() {
            clock.advance(by: by)
            engine.settle()
        }
        return done()
    }

    func shutdown() { _ = engine.shutdown(deadline: .seconds(2)) }
}

/// A demo's figures by label.
func figures(of demo: any Demo) -> [String: String] {
    Dictionary(demo.figures().map { ($0.label, $0.value.text) }, uniquingKeysWith: { a, _ in a })
}

/// A whole-number figure (0 if missing or not a number, which the caller's expectation then shows).
func figure(_ demo: any Demo, _ label: String) -> Int {
    demo.figures().first { $0.label == label }?.value.intValue ?? 0
}

