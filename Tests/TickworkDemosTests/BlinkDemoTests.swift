import Testing
import Tickwork
import TickworkDemos

/// Blink on a manual clock: one tick per period, every LED set from the
/// same tick, no tick missed.
@Suite struct BlinkDemoTests {
    @Test func ledsMoveInStepOneTickPerPeriod() throws {
        let rig = try ManualRig(workers: 2)
        defer { rig.shutdown() }
        let demo = BlinkDemo(count: 8, period: .milliseconds(100))
        try demo.start(on: rig.engine)
        rig.step(1, by: .microseconds(10))   // the first tick, due at the start
        let first = demo.frame.tick
        #expect(first == 1)
        // A timer slot fires once it has ended: a step of exactly one
        // period would reach each due instant but not pass it.
        rig.step(50, by: .microseconds(100_010)) { step in
            let f = demo.frame
            #expect(f.tick == first + step)
            let expected = (0..<8).map { $0 == BlinkDemo.lit(at: f.tick, count: 8) || $0 == BlinkDemo.lit(at: f.tick - 1, count: 8) }
            #expect(f.leds == expected, "all LEDs from tick \(f.tick)")
        }
        // The sweep covers both ends.
        #expect((0..<14).map { BlinkDemo.lit(at: $0, count: 8) } == [0, 1, 2, 3, 4, 5, 6, 7, 6, 5, 4, 3, 2, 1])
        let shown = figures(of: demo)
        #expect(shown["missed"] == "0")
        #expect(shown["leds"]?.count == 8)
    }
}
