import Testing
@testable import Tickwork
@testable import TickworkDashboard

/// Widgets and formats against a screen prefilled with `x`, so a cell a
/// widget should not touch shows up (ratatui's trick).
@Suite struct WidgetTests {
    func canvas(_ w: Int, _ h: Int = 1) -> Screen {
        var s = Screen(width: w, height: h)
        s.fill(Rect(x: 0, y: 0, width: w, height: h), "x")
        return s
    }

    @Test func bar() {
        var s = canvas(12)
        s.bar(0.5, x: 1, y: 0, width: 10, .unicode)
        #expect(s.line(0) == "x█████░░░░░x")
        s.bar(0.01, x: 1, y: 0, width: 10, .ascii)
        #expect(s.line(0) == "x#.........x")   // some is never drawn as none
        s.bar(.nan, x: 1, y: 0, width: 10, .ascii)
        #expect(s.line(0) == "x..........x")
    }

    @Test func sparkline() {
        var s = canvas(10)
        s.sparkline([0, 1, 2, 4, 8], x: 1, y: 0, width: 8, .unicode)
        #expect(s.line(0) == "xxxx ▂▃▅█x")
        s.sparkline(Array(repeating: 1, count: 20), x: 1, y: 0, width: 8, .unicode)
        #expect(s.line(0) == "x████████x")
    }

    @Test func boxAndClipping() {
        var s = canvas(12, 3)
        let inner = s.box(Rect(x: 0, y: 0, width: 12, height: 3), title: "queues", .unicode)
        #expect(inner == Rect(x: 1, y: 1, width: 10, height: 1))
        #expect(s.lines == ["┌─ queues ─┐", "│xxxxxxxxxx│", "└──────────┘"])
        s.put("a long name that does not fit", x: 1, y: 1, limit: 10)
        #expect(s.line(1) == "│a long nam│")
        s.put("tab\there\u{1B}[2J", x: 1, y: 1, limit: 10)
        #expect(s.line(1) == "│tab here [│")   // control characters never reach the terminal
    }

    @Test func wideCharactersTakeTwoColumns() {
        var s = canvas(8)
        #expect(s.put("日本", x: 1, y: 0) == 4)
        #expect(s.line(0) == "x日本xxx")
        #expect(s.put("日本語", x: 0, y: 0, limit: 5) == 4)   // the third would straddle the edge
    }

    @Test func formats() {
        #expect(Format.duration(820_000) == "820µs")
        #expect(Format.duration(820_000, .ascii) == "820us")
        #expect(Format.duration(4_200_000) == "4.2ms")
        #expect(Format.duration(340_000_000) == "340ms")
        #expect(Format.duration(1_250_000_000) == "1.25s")
        #expect(Format.duration(12_340_000_000) == "12.3s")
        #expect(Format.duration(245_000_000_000) == "4m05s")
        #expect(Format.duration(7_380_000_000_000) == "2h03m")
        #expect(Format.duration(-4_200_000) == "-4.2ms")
        #expect(Format.clock(3_723_000_000_000) == "1:02:03")
        #expect(Format.clock(65_000_000_000) == "1:05")
        #expect(Format.count(1_234) == "1234")
        #expect(Format.count(12_345) == "12.3k")
        #expect(Format.count(1_250_000) == "1.3M")
        #expect(Format.grouped(1_234_567) == "1,234,567")
        #expect(Format.fit("object-12345", 8) == "object-…")
        #expect(Format.fit("ab", 4, alignRight: true) == "  ab")
        #expect(Format.percent(0.425) == "43%")
        #expect(Format.fixed(2.05, 1) == "2.1" || Format.fixed(2.05, 1) == "2.0")
        #expect(Format.fixed(-0.04, 1) == "0.0")
    }

    @Test func historyGivesRecentLatenessAndSteadyRates() {
        var h = History()
        var snap = Fixtures.snapshot()
        snap.lateness = LatencyHistogram()
        for _ in 0..<100 { snap.lateness.record(micros: 50_000) }   // 50 ms, long ago
        h.record(snap)
        for second in 1...12 {
            snap.takenAtNs += 1_000_000_000
            snap.runs += 10
            for _ in 0..<10 { snap.lateness.record(micros: 100) }
            h.record(snap)
            _ = second
        }
        // The slow start has left the ten-second window.
        let p99 = h.recentLatenessMicros(0.99)!
        #expect(p99 >= 99 && p99 <= 101)
        #expect(snap.lateness.percentileMicros(0.99)! > 40_000)   // the cumulative one still remembers
        #expect(abs(h.runsPerSecond! - 10) < 0.01)
    }

    @Test func depthHistoryKeepsTheMaximumOfEachSecond() {
        var h = History()
        var snap = Fixtures.snapshot()
        for (i, depth) in [3, 9, 1].enumerated() {
            snap.queues[0].depth = depth
            snap.takenAtNs = Fixtures.t0 + Int64(i) * 300_000_000   // three samples inside one second
            h.record(snap)
        }
        snap.queues[0].depth = 2
        snap.takenAtNs = Fixtures.t0 + 3_000_000_000                // two quiet seconds skipped
        h.record(snap)
        #expect(h.depth["default"] == [9, 0, 0, 2])
        #expect(DashboardView.downsample([1, 5, 2, 8, 3, 0], to: 3) == [5, 8, 3])
    }
}
