import Foundation
import Testing
import TickworkJobFile
@testable import TickworkPostgres

/// Where a shared job's ticks fall (pure; microseconds of UTC): the
/// engine's own missed-tick rules, and the kinds a cluster refuses.
@Suite struct ClusterCadenceTests {
    func entry(_ yaml: String) throws -> JobEntry {
        try #require(try JobFileParser.parse("jobs:\n  - name: j\n    command: [\"true\"]\n" + yaml, path: "t.yaml").get().jobs.first)
    }

    @Test func everyKeepsItsGridAndFollowsItsPolicy() throws {
        let skip = try entry("    every: 10s\n")
        #expect(ClusterCadence.first(skip, nowUs: 1_000_000) == 1_000_000)
        #expect(ClusterCadence.after(skip, dueUs: 1_000_000, nowUs: 1_000_500).next == 11_000_000)
        // 35 s late: skip goes to the next tick of the grid, counting three missed.
        let late = ClusterCadence.after(skip, dueUs: 1_000_000, nowUs: 36_000_000)
        #expect(late.next == 41_000_000 && late.missed == 3)
        let once = try entry("    every: 10s\n    missed: run_once_late\n")
        #expect(ClusterCadence.after(once, dueUs: 1_000_000, nowUs: 36_000_000).next == 31_000_000)
        let started = try entry("    every: 10s\n    start_after: 5s\n")
        #expect(ClusterCadence.first(started, nowUs: 0) == 5_000_000)
    }

    @Test func cronFollowsTheCalendarInItsZone() throws {
        let daily = try entry("    cron: \"0 3 * * *\"\n    timezone: UTC\n")
        let now = Int64(Date(timeIntervalSince1970: 1_764_644_400).timeIntervalSince1970 * 1e6)   // 2025-12-02 03:00:00Z
        #expect(ClusterCadence.first(daily, nowUs: now) == now + 86_400_000_000)
        // Two days without a node: run_once_late runs once now.
        let caughtUp = ClusterCadence.after(daily, dueUs: now - 2 * 86_400_000_000, nowUs: now + 1_000_000)
        #expect(caughtUp.next == now + 1_000_000 && caughtUp.missed == 1)
    }

    @Test func oneTimeJobsHaveNoNextTickAndFixedDelaysAreRefused() throws {
        let after = try entry("    after: 30s\n")
        #expect(ClusterCadence.first(after, nowUs: 0) == 30_000_000)
        #expect(ClusterCadence.after(after, dueUs: 30_000_000, nowUs: 30_000_100).next == nil)
        let delay = try entry("    fixed_delay: 5s\n")
        #expect(ClusterCadence.refusal(delay) == "job \"j\": fixed_delay cannot be shared among machines (use every: or cron:)")
        #expect(ClusterCadence.refusal(after) == nil)
    }
}
