import Foundation
import Testing
import Tickwork
import TickworkProcess
@testable import TickworkJobFile

/// Job-file jobs on a real engine running real processes: what a run sees,
/// how it fails, and that cancel and shutdown leave no process behind.
/// Waits are on the engine's change signal, never on the clock.
@Suite("Command jobs on the engine")
struct CommandJobTests {
    func engine(_ text: String, workers: Int = 4) throws -> (Engine, JobFile, [String: JobID]) {
        let file = try JobFileParser.parse(text, path: "test.yaml").get()
        let engine = try Engine(EngineConfiguration(workers: file.workers ?? workers, queues: file.queues))
        let ids = try file.submit(to: engine)
        return (engine, file, ids)
    }

    /// The pid a running command job shows in its status.
    func pid(_ engine: Engine, _ id: JobID) -> Int32? {
        guard let status = engine.info(id)?.status, status.hasPrefix("pid "), status.hasSuffix(" running") else { return nil }
        return Int32(status.dropFirst(4).prefix { $0.isNumber })
    }

    @Test("a run gets TICKWORK_JOB, TICKWORK_RUN and TICKWORK_DUE, and its output lands in the job's log")
    func runEnvironment() throws {
        let (engine, _, ids) = try engine("""
            jobs:
              - name: report
                shell: 'echo "$TICKWORK_JOB $TICKWORK_RUN $TICKWORK_DUE"; echo warn >&2'
                every: 1h
            """)
        defer { _ = engine.shutdown() }
        let id = ids["report"]!
        #expect(engine.waitForChange(within: .seconds(20)) { engine.info(id)?.runs == 1 })
        let detail = try #require(engine.detail(id))
        let line = try #require(detail.log.first?.text)
        let words = line.split(separator: " ")
        #expect(words.count == 3 && words[0] == "report" && words[1] == "1")
        #expect(words.count == 3 && words[2].wholeMatch(of: /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z/) != nil)
        #expect(detail.log.map(\.text).contains("stderr: warn"))
        #expect(detail.info.status?.hasPrefix("exit 0 in ") == true)
    }

    @Test("a failing command is a failed run with its exit status and last line")
    func failure() throws {
        let (engine, _, ids) = try engine("""
            jobs:
              - {name: bad, shell: 'echo boom >&2; exit 3', after: 0s}
              - {name: missing, command: [no-such-program-tw], after: 0s}
            """)
        defer { _ = engine.shutdown() }
        #expect(engine.waitForChange(within: .seconds(20)) {
            engine.info(ids["bad"]!)?.state == .failed && engine.info(ids["missing"]!)?.state == .failed
        })
        #expect(engine.info(ids["bad"]!)?.lastError?.message == "exit 3: boom")
        #expect(engine.info(ids["missing"]!)?.lastError?.message.hasPrefix("cannot run \"no-such-program-tw\": not found on PATH") == true)
    }

    @Test("a one-time job with retries runs again after its back-off, then gives up")
    func retries() throws {
        let (engine, _, ids) = try engine("""
            jobs:
              - {name: flaky, shell: 'exit 1', after: 0s, retries: 2, backoff: 10ms, backoff_max: 20ms}
            """)
        defer { _ = engine.shutdown() }
        let id = ids["flaky"]!
        #expect(engine.waitForChange(within: .seconds(20)) { engine.info(id)?.gaveUp == true })
        #expect(engine.info(id)?.runs == 3 && engine.info(id)?.errors == 3)
    }

    @Test("a recurring command is retried within its tick: TICKWORK_RETRY counts, TICKWORK_DUE stays the tick's")
    func retriesWithinTheTick() throws {
        // Fails until its third run, every hour: the retries come within
        // milliseconds, not an hour later.
        let (engine, _, ids) = try engine("""
            jobs:
              - name: flaky
                shell: 'echo "$TICKWORK_RUN $TICKWORK_RETRY $TICKWORK_DUE"; [ "$TICKWORK_RUN" -ge 3 ]'
                every: 1h
                retries: 3
                backoff: 10ms
            """)
        defer { _ = engine.shutdown() }
        let id = ids["flaky"]!
        #expect(engine.waitForChange(within: .seconds(20)) { engine.info(id)?.runs == 3 && engine.info(id)?.state == .scheduled })
        let lines = try #require(engine.detail(id)).log.map(\.text).filter { !$0.hasPrefix("stderr") }
        let words = lines.map { $0.split(separator: " ").map(String.init) }
        #expect(words.map { $0.prefix(2) } == [["1", "0"], ["2", "1"], ["3", "2"]])
        #expect(Set(words.map(\.last)).count == 1, "every retry carries the tick's due instant: \(lines)")
        let info = try #require(engine.info(id))
        #expect(info.errors == 2 && info.consecutiveFailures == 0 && info.pendingRetry == 0)
        #expect((info.nextDueNs ?? 0) - (info.lastStartNs ?? 0) > 3_500_000_000_000, "then the next hourly tick")
    }

    @Test("cancelling a job mid-run ends its whole process group within kill_after + 250 ms")
    func cancel() throws {
        let (engine, _, ids) = try engine("""
            jobs:
              - {name: sleeper, shell: 'sleep 300 & sleep 300', after: 0s, kill_after: 1s}
            """)
        defer { _ = engine.shutdown() }
        let id = ids["sleeper"]!
        var leader: Int32?
        #expect(engine.waitForChange(within: .seconds(20)) { leader = pid(engine, id); return leader != nil })
        let group = try #require(leader)
        #expect(ProcessTable.wait(within: 20) { ProcessTable.group(group).count >= 2 })
        let cancelledAt = Date()
        #expect(engine.cancel(id))
        #expect(engine.waitForChange(within: .seconds(20)) { engine.info(id)?.state == .cancelled })
        #expect(Date().timeIntervalSince(cancelledAt) < 1.25)
        #expect(ProcessTable.group(group).isEmpty)
    }

    @Test("shutdown while 20 commands run leaves no process behind")
    func shutdownTwenty() throws {
        let jobs = (0..<20).map { "  - {name: s\($0), shell: 'trap \"\" TERM; sleep 300', after: 0s, kill_after: 300ms}" }
        let (engine, file, ids) = try engine("workers: 20\njobs:\n" + jobs.joined(separator: "\n"))
        var groups: [Int32] = []
        #expect(engine.waitForChange(within: .seconds(30)) {
            groups = ids.values.compactMap { pid(engine, $0) }
            return groups.count == 20
        })
        let report = engine.shutdown(deadline: file.shutdownDeadline(atLeast: .seconds(5)))
        #expect(report.isClean)
        #expect(groups.allSatisfy { ProcessTable.group($0).isEmpty })
    }
}

/// `stop_on_pause`: pausing a job stops its running process; resuming
/// continues it, and the run then ends as it would have.
@Suite("Stop on pause")
struct StopOnPauseTests {
    @Test("pause stops the group (state T), resume continues it")
    func stopOnPause() throws {
        let file = try JobFileParser.parse("""
            jobs:
              - {name: worker, shell: 'sleep 0.5; echo finished', after: 0s, stop_on_pause: true}
            """, path: "test.yaml").get()
        #expect(file.jobs[0].stopOnPause)
        let engine = try Engine(EngineConfiguration(workers: 1))
        defer { _ = engine.shutdown() }
        let id = try file.submit(to: engine)["worker"]!
        var group: Int32?
        #expect(engine.waitForChange(within: .seconds(20)) {
            group = engine.info(id)?.status.flatMap { $0.hasPrefix("pid ") ? Int32($0.dropFirst(4).prefix { $0.isNumber }) : nil }
            return group != nil
        })
        let pgid = try #require(group)
        #expect(engine.pause(id))
        #expect(ProcessTable.wait(within: 10) { ProcessTable.group(pgid).contains { $0.state == "T" } })
        #expect(engine.info(id)?.state == .running)
        #expect(engine.resume(id))
        #expect(ProcessTable.wait(within: 10) { !ProcessTable.group(pgid).contains { $0.state == "T" } })
        #expect(engine.waitForChange(within: .seconds(20)) { engine.info(id)?.state == .retired })
        #expect(engine.detail(id)?.log.map(\.text) == ["finished"])
    }
}
