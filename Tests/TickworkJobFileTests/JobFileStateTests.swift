import Foundation
import Testing
import Tickwork
import TickworkModel
import TickworkStore
@testable import TickworkJobFile

/// A job file loaded with a state file (a real SQLite file): runs go on
/// record with the tick they belong to, a job's history and run numbers
/// come back in the next session, and a passed `at:` instant is judged by
/// what is on record. Waits are on the engine's change signal.
@Suite struct JobFileStateTests {
    let folder: String
    init() throws {
        folder = NSTemporaryDirectory() + "tickwork-jobfile-state-\(getpid())-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    }

    func file(_ text: String) throws -> JobFile {
        try JobFileParser.parse(text, path: folder + "/jobs.yaml", acceptPastInstants: true).get()
    }

    @Test func runsAreKeptAndTheNextSessionNumbersOn() throws {
        let jobs = try file("""
            jobs:
              - name: hello
                shell: 'echo "run $TICKWORK_RUN"'
                every: 1h
            """)
        let path = folder + "/state.sqlite"
        do {
            let store = try StateFile(path: path)
            let engine = try Engine(EngineConfiguration(workers: 2))
            let session = try JobFileSession(file: jobs, engine: engine, store: store)
            let id = try #require(session.jobIDs["hello"])
            #expect(engine.waitForChange(within: .seconds(30)) { (session.log.history(id)?.runs.count ?? 0) >= 1 })
            engine.shutdown()
            store.close()
        }
        let store = try StateFile(path: path)
        defer { store.close() }
        let kept = try #require(try store.load(jobs: ["hello"])["hello"])
        #expect(kept.lastRun == 1 && kept.runs.map(\.outcome) == ["exit 0"] && kept.runs.first?.stdout == "run 1\n")
        let engine = try Engine(EngineConfiguration(workers: 2))
        defer { engine.shutdown() }
        let session = try JobFileSession(file: jobs, engine: engine, store: store)
        let id = try #require(session.jobIDs["hello"])
        // The first run's record is shown before any run of this session.
        #expect(session.log.history(id)?.runs.map(\.run) == [1])
        // Every 1h from the last tick: nothing is due for an hour.
        let due = try #require(engine.info(id)?.nextDueNs)
        #expect(due - monotonicNanoseconds() > 3_500_000_000_000, "\(due)")
    }

    @Test func aPassedAtInstantIsJudgedByTheRecord() throws {
        let path = folder + "/at.sqlite"
        let store = try StateFile(path: path)
        defer { store.close() }
        let record = RunRecord(run: 1, startWallNs: 1, durationNs: 1, outcome: "exit 0", failed: false, stdout: nil, stderr: nil,
                               stdoutBytes: 0, stderrBytes: 0, truncated: false)
        store.ended(RunEnd(job: "ran", command: "true", dueWallNs: 1, record: record, exitCode: 0, signal: nil))
        store.seen(job: "missed", command: "true", atWallNs: 1)
        store.flush()
        let engine = try Engine(EngineConfiguration(workers: 2))
        defer { engine.shutdown() }
        let passed = """
            jobs:
              - name: ran
                command: ["true"]
                at: "2026-01-01T00:00:00Z"
              - name: missed
                command: ["true"]
                at: "2026-01-01T00:00:00Z"
            """
        let session = try JobFileSession(file: try file(passed), engine: engine, store: store)
        #expect(session.ranBefore == ["ran"])
        #expect(session.jobIDs.keys.sorted() == ["missed"])   // runs once, at once
        let typo = passed + """

              - name: typo
                command: ["true"]
                at: "2026-01-01T00:00:00Z"
            """
        let error = #expect(throws: JobFileErrors.self) { _ = try JobFileSession(file: try file(typo), engine: engine, store: store) }
        #expect(error?.problems.map(\.message) == ["job \"typo\": its at: instant has passed, and no earlier run of it is on record"])
    }
}
