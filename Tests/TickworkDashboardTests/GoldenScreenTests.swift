import Foundation
import Testing
@testable import Tickwork
@testable import TickworkDashboard

/// Whole screens compared with files under Golden/. To re-record after an
/// intended change: `RECORD_GOLDEN=1 swift test --filter GoldenScreenTests`,
/// then read the diff before committing it.
@Suite struct GoldenScreenTests {
    static let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden")

    func check(_ screen: Screen, _ name: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let text = screen.lines.joined(separator: "\n") + "\n"
        let url = Self.dir.appendingPathComponent(name + ".txt")
        if ProcessInfo.processInfo.environment["RECORD_GOLDEN"] == "1" {
            try FileManager.default.createDirectory(at: Self.dir, withIntermediateDirectories: true)
            try text.write(to: url, atomically: true, encoding: .utf8)
            return
        }
        let expected = try String(contentsOf: url, encoding: .utf8)
        let want = expected.split(separator: "\n", omittingEmptySubsequences: false)
        let got = text.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(got.count == want.count, "\(name): line count", sourceLocation: sourceLocation)
        for (i, (g, w)) in zip(got, want).enumerated() where g != w {
            Issue.record("\(name) line \(i + 1) differs:\n got: \(g)\nwant: \(w)", sourceLocation: sourceLocation)
            break
        }
    }

    @Test func dashboard80x24() throws {
        let s = Fixtures.state(width: 80, height: 24)
        let screen = DashboardView.render(s)
        #expect(screen.width == 80 && screen.height == 24)
        try check(screen, "dashboard-80x24")
    }

    @Test func dashboard120x40() throws {
        try check(DashboardView.render(Fixtures.state(width: 120, height: 40)), "dashboard-120x40")
    }

    @Test func asciiWhenTheLocaleIsNotUTF8() throws {
        let screen = DashboardView.render(Fixtures.state(width: 80, height: 24, glyphs: .ascii))
        for line in screen.lines { #expect(line.unicodeScalars.allSatisfy { $0.isASCII }, "non-ASCII in: \(line)") }
        try check(screen, "dashboard-80x24-ascii")
    }

    @Test func tooSmall() throws {
        let screen = DashboardView.render(Fixtures.state(width: 50, height: 12))
        #expect(screen.lines.contains { $0.contains("terminal too small") })
        #expect(screen.lines.contains { $0.contains("need 60x16, have 50x12") })
        try check(screen, "too-small-50x12")
    }

    @Test func tinyAndZeroSizesDoNotCrash() {
        for (w, h) in [(0, 0), (1, 1), (3, 2), (59, 40), (200, 15), (60, 16), (61, 17)] {
            let screen = DashboardView.render(Fixtures.state(width: w, height: h))
            #expect(screen.lines.count == max(0, h))
            // Every overlay too.
            var s = DashboardState(width: w, height: h, demoCatalog: Fixtures.catalog)
            _ = s.update(.frame(Fixtures.frame(for: s, panels: Fixtures.panels)))
            for overlay in [Overlay.help, .demos(2), .confirmCancel(JobID(1), String(repeating: "long-name-", count: 20))] {
                s.overlay = overlay
                #expect(DashboardView.render(s).lines.count == max(0, h))
            }
        }
    }

    @Test func detail120x40() throws {
        var s = Fixtures.state(width: 120, height: 40)
        for _ in 0..<6 { _ = s.update(.key(.down)) }
        _ = s.update(.key(.enter))
        #expect(s.detail == JobID(7))
        _ = s.update(.frame(Fixtures.frame(for: s)))
        let screen = DashboardView.render(s)
        #expect(screen.lines.contains { $0.contains("connection refused") })
        try check(screen, "detail-120x40")
    }

    @Test func demosMenu120x40() throws {
        var s = DashboardState(width: 120, height: 40, demoCatalog: Fixtures.catalog)
        _ = s.update(.frame(Fixtures.frame(for: s, panels: Fixtures.panels)))
        _ = s.update(.key(.char("n")))
        _ = s.update(.key(.down))
        let screen = DashboardView.render(s)
        #expect(screen.lines.contains { $0.contains("race (stopped)") }, "the panel says the demo stopped")
        try check(screen, "demos-menu-120x40")
    }

    @Test func stuckAndWaitingThreadsSayWhatTheyAre() {
        var s = DashboardState(width: 120, height: 40)
        var frame = Fixtures.frame(for: s)
        frame.snapshot.workers[3].phase = .stuck
        frame.snapshot.workers[3].jobName = "faults.hung"
        frame.snapshot.workers[2].phase = .waiting
        frame.snapshot.workers[2].jobName = "client-3"
        frame.snapshot.workers[2].waitingOn = "semaphore: pool"
        frame.snapshot.targetWorkers = 3
        _ = s.update(.frame(frame))
        let all = DashboardView.render(s).lines.joined(separator: "\n")
        #expect(all.contains("threads 3 +1 stuck"), "a written-off thread is not counted in the pool")
        #expect(!all.contains("→ 3"))
        #expect(all.contains("waiting  client-3 on semaphore: …") || all.contains("waiting  client-3 on semaphore: pool"))
    }

    @Test func help80x24() throws {
        var s = Fixtures.state(width: 80, height: 24)
        _ = s.update(.key(.char("?")))
        try check(DashboardView.render(s), "help-80x24")
    }

    @Test func panelsAndWordsAreThere() {
        let lines = DashboardView.render(Fixtures.state(width: 120, height: 40)).lines
        let all = lines.joined(separator: "\n")
        for word in ["threads 4", "queues", "tasks 30", "events", "workers 2/4 busy", "errors 3",
                     "scheduled 25", "running 1", "sleeping 1", "paused 1", "failed 1", "timer", "object-7",
                     "connection refused", "3/100"] {
            #expect(all.contains(word), "missing \(word)")
        }
        // The selected row is the first task, drawn reversed.
        let screen = DashboardView.render(Fixtures.state(width: 120, height: 40))
        let layout = DashboardLayout(Fixtures.state(width: 120, height: 40))
        #expect(screen[1, layout.tasks.y + 2].style == .selected)
        // Failures stand out in the events pane.
        let failedRow = (0..<screen.height).first { screen.line($0).contains("failed     object-7") }!
        #expect(screen.row(failedRow).contains { $0.style == .error })
    }
}
