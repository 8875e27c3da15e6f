import Testing
import Tickwork
import TickworkDemos

/// Blink on a manual clock: one tick per period, every LED set from the
/// same tick, no tick missed.
@Suite struct BlinkDemoTests {
    @Test func ledsMoveInStepOneTickPerPeriod() throws {
        let clock = ManualClock()
        let engine = Engine(EngineConfiguration(workers: 2, timerResolutionShift: 10, clock: clock))
        defer { _ = engine.shutdown(deadline: .seconds(2)) }
        let demo = BlinkDemo(count: 8, period: .milliseconds(100))
        try demo.start(on: engine)
        clock.advance(by: .microseconds(10))   // the first tick, due at the start
        engine.settle()
        let first = demo.frame.tick
        #expect(first == 1)
        for step in 1...50 {
            // A timer slot fires once it has ended: a step of exactly one
            // period would reach each due instant but not pass it.
            clock.advance(by: .microseconds(100_010))
            engine.settle()
            let f = demo.frame
            #expect(f.tick == first + step)
            let expected = (0..<8).map { $0 == BlinkDemo.lit(at: f.tick, count: 8) || $0 == BlinkDemo.lit(at: f.tick - 1, count: 8) }
            #expect(f.leds == expected, "all LEDs from tick \(f.tick)")
        }
        // The sweep covers both ends.
        #expect((0..<14).map { BlinkDemo.lit(at: $0, count: 8) } == [0, 1, 2, 3, 4, 5, 6, 7, 6, 5, 4, 3, 2, 1])
        let figures = Dictionary(uniqueKeysWithValues: demo.figures().map { ($0.label, $0.value) })
        #expect(figures["missed"] == "0")
        #expect(figures["leds"]?.count == 8)
    }
}
