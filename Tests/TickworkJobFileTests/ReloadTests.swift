import Foundation
import Testing
import Tickwork
@testable import TickworkJobFile

/// Reloading a job file into a running engine: jobs matched by name, only
/// the added, changed and removed ones touched; a bad file refused whole.
@Suite("Reloading a job file")
struct ReloadTests {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("tw-reload-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).yaml").path

    func write(_ text: String) throws { try text.write(toFile: path, atomically: true, encoding: .utf8) }

    static let first = """
        jobs:
          - {name: keep, command: [true], every: 1h}
          - {name: change, command: [true], every: 1h}
          - {name: drop, command: [true], every: 1h}
        """

    @Test("adds, changes and removes by name; unchanged jobs keep their id and state")
    func reload() throws {
        try write(Self.first)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let file = try JobFileParser.load(path: path).get()
        let engine = try Engine(EngineConfiguration(workers: 2))
        defer { _ = engine.shutdown() }
        let session = try JobFileSession(file: file, engine: engine)
        let before = session.jobIDs
        #expect(engine.pause(before["keep"]!))
        try write("""
            jobs:
              - {name: keep, command: [true], every: 1h}
              - {name: change, command: [true], every: 2h}
              - {name: add, shell: 'echo new', every: 1h}
            """)
        let report = try session.reload().get()
        #expect(report.added == ["add"] && report.changed == ["change"] && report.removed == ["drop"] && report.unchanged == 1)
        #expect(report.summary == "reloaded \(path): 1 added (add), 1 changed (change), 1 removed (drop), 1 unchanged")
        let after = session.jobIDs
        #expect(after["keep"] == before["keep"])
        // Its first run (at once) may still be in flight: paused once it ends.
        #expect(engine.waitForChange(within: .seconds(20)) { engine.info(after["keep"]!)?.state == .paused })
        #expect(after["change"] != before["change"] && engine.info(after["change"]!)?.schedule.contains("2h") == true)
        // A run in flight (each job ran at once) ends first: wait for the engine to say so.
        #expect(engine.waitForChange(within: .seconds(20)) {
            engine.info(before["change"]!)?.state == .cancelled && engine.info(before["drop"]!)?.state == .cancelled
        })
        #expect(after["drop"] == nil && after["add"] != nil)
    }

    @Test("a new workers: resizes the pool; changed queue settings are reported as waiting for a restart")
    func workersAndQueues() throws {
        try write("workers: 2\nqueues:\n  - {name: q, capacity: 10}\njobs:\n  - {name: a, queue: q, command: [true], every: 1h}\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let file = try JobFileParser.load(path: path).get()
        let engine = try Engine(EngineConfiguration(workers: 2, queues: file.queues))
        defer { _ = engine.shutdown() }
        let session = try JobFileSession(file: file, engine: engine)
        try write("workers: 3\nqueues:\n  - {name: q, capacity: 20}\njobs:\n  - {name: a, queue: q, command: [true], every: 1h}\n")
        let report = try session.reload().get()
        #expect(report.notes == ["queue settings take effect at the next start", "workers 2 → 3"])
        #expect(report.unchanged == 1 && engine.snapshot().targetWorkers == 3)
    }

    @Test("a file with a problem is refused whole; the jobs loaded before keep running")
    func refusesABadFile() throws {
        try write(Self.first)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let engine = try Engine(EngineConfiguration(workers: 2))
        defer { _ = engine.shutdown() }
        let session = try JobFileSession(file: try JobFileParser.load(path: path).get(), engine: engine)
        let before = session.jobIDs
        try write(Self.first + "\n  - {name: broken, command: [true], evry: 1h}\n")
        guard case .failure(let errors) = session.reload() else { Issue.record("a bad file was accepted"); return }
        #expect(errors.problems.map(\.message).contains { $0.contains("did you mean \"every\"") })
        #expect(session.reloadLine().contains("not reloaded (2 problems"))
        #expect(session.jobIDs == before)
        #expect(before.values.allSatisfy { id in engine.info(id).map { !$0.state.isFinal && $0.state != .cancelling } == true })
    }

    @Test("an at: instant that has passed is kept on reload when the job is unchanged, refused when it is new")
    func pastInstants() throws {
        let soon = Date().addingTimeInterval(3600)
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX"); f.timeZone = TimeZone(identifier: "UTC"); f.dateFormat = "yyyy-MM-dd'T'HH:mm:ss'Z'"
        try write("jobs:\n  - {name: once, command: [true], at: '\(f.string(from: soon))'}\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let engine = try Engine(EngineConfiguration(workers: 1))
        defer { _ = engine.shutdown() }
        let session = try JobFileSession(file: try JobFileParser.load(path: path).get(), engine: engine)
        // Two hours on, the instant has passed: the same job is kept, a new one is refused.
        let later = soon.addingTimeInterval(3600)
        #expect(try session.reload(now: later).get().unchanged == 1)
        try write("jobs:\n  - {name: once, command: [true], at: '\(f.string(from: soon))'}\n  - {name: late, command: [true], at: '\(f.string(from: soon))'}\n")
        guard case .failure(let errors) = session.reload(now: later) else { Issue.record("a past at: was accepted"); return }
        #expect(errors.problems.map(\.message) == ["job \"late\": its at: instant has passed"])
    }
}
