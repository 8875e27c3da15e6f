import Foundation
import Testing
import Tickwork
@testable import TickworkJobFile

/// The job file's checks: every problem found at once, each at its line
/// and column, with a did-you-mean where a word was mistyped.
@Suite("Job files")
struct JobFileParserTests {
    static let now = Date(timeIntervalSince1970: 1_796_112_000)   // 2026-12-01T09:20:00Z

    func parse(_ text: String) -> Result<JobFile, JobFileErrors> {
        JobFileParser.parse(text, path: "jobs.yaml", now: Self.now)
    }

    func problems(_ text: String) -> [String] {
        guard case .failure(let e) = parse(text) else { return [] }
        return e.problems.map(\.description)
    }

    @Test("the issue's example file reads into the values it says")
    func example() throws {
        let text = """
            workers: 4
            queues:
              - name: checks
                capacity: 100
                order: fifo              # fifo | lifo | priority
                when_full: drop_oldest   # drop_oldest | reject
            jobs:
              - name: disk
                command: ["df", "-h", "/"]
                every: 10s
                missed: skip
                timeout: 5s
                queue: checks
                group: health
              - name: backup
                shell: 'tar czf /tmp/notes.tgz "$HOME/notes"'
                cron: "0 3 * * *"
                retries: 3
                env: {LC_ALL: C}
                cwd: /tmp
                kill_after: 10s
            """
        let file = try parse(text).get()
        #expect(file.workers == 4)
        #expect(file.queues == [try RunQueueConfig(name: "checks", capacity: 100, order: .fifo, whenFull: .dropOldest)])
        let disk = file.jobs[0], backup = file.jobs[1]
        #expect(disk.command == .argv(["df", "-h", "/"]) && disk.when == .every(10_000_000_000, startAfterNs: nil))
        #expect(disk.missed == .skip && disk.timeoutNs == 5_000_000_000 && disk.queue == "checks" && disk.group == "health")
        #expect(backup.command == .shell("tar czf /tmp/notes.tgz \"$HOME/notes\"") && backup.when == .cron("0 3 * * *", timeZone: nil))
        #expect(backup.retries == 3 && backup.env == ["LC_ALL": "C"] && backup.cwd == "/tmp" && backup.killAfterNs == 10_000_000_000)
        #expect(disk.killAfterNs == 5_000_000_000 && disk.outputLimit == 65_536 && backup.line == 15)
    }

    @Test("durations: units, compounds, and what is refused", arguments: [
        ("250ms", Int64(250_000_000)), ("5s", 5_000_000_000), ("2m", 120_000_000_000), ("1h", 3_600_000_000_000),
        ("1h30m", 5_400_000_000_000), ("1.5s", 1_500_000_000), ("1d", 86_400_000_000_000), ("0s", 0),
    ])
    func durations(text: String, ns: Int64) throws {
        #expect(try ValueText.duration(text).get() == ns)
    }

    @Test("bad durations say what is expected", arguments: ["10", "ten", "5 parsecs", "1e3s", "", "s", "1000000000d"])
    func badDurations(text: String) {
        #expect((try? ValueText.duration(text).get()) == nil)
    }

    @Test("every kind of mistake is reported, in file order, at its line and column")
    func everyProblem() {
        let text = """
            workers: 0
            queues:
              - name: checks
                capacity: 0
                odrer: fifo
            jobs:
              - name: disk
                command: ["df", "-h", "/"]
                evry: 10s
              - name: disk
                command: df -h
                every: 10
              - name: both
                command: ["true"]
                shell: "true"
                cron: "61 * * * *"
                queue: chekcs
              - name: late
                shell: "echo hi"
                at: 2020-01-01T00:00
                timeout: 5 parsecs
                missed: skipp
              - name: none
                every: 1m
            """
        #expect(problems(text) == [
            "jobs.yaml:1:10: workers must be 1…256 (got 0)",
            "jobs.yaml:4:15: capacity must be 1…10000000 (got 0)",
            "jobs.yaml:5:5: unknown key \"odrer\" in queues[0]; did you mean \"order\"?",
            "jobs.yaml:7:5: job \"disk\" has no schedule: give one of every, fixed_delay, cron, after, at",
            "jobs.yaml:9:5: unknown key \"evry\" in jobs[0]; did you mean \"every\"?",
            "jobs.yaml:10:11: duplicate job name \"disk\" (first at line 7)",
            "jobs.yaml:11:14: command must be a list of words, e.g. [\"df\", \"-h\"] (no shell reads it); for a shell line use shell:",
            "jobs.yaml:12:12: every: \"10\" has no unit: write 10s, 10m or 10ms",
            "jobs.yaml:15:5: job \"both\" has both command and shell: give one",
            "jobs.yaml:16:11: cron minute field: '61' is not a value in 0-59",
            "jobs.yaml:17:12: unknown queue \"chekcs\" (queues: default, checks); did you mean \"checks\"?",
            "jobs.yaml:20:9: at: 2020-01-01T00:00 has passed (it is now \(JobReader.localText(Self.now, .current))); a one-time job needs an instant to come",
            "jobs.yaml:21:14: timeout: unknown unit \"parsecs\" in \"5 parsecs\" (units: ms, s, m, h, d)",
            "jobs.yaml:22:5: missed applies to every and cron only",
            "jobs.yaml:22:13: missed must be one of skip, run_once_late, reanchor, catch_up (got \"skipp\"); did you mean \"skip\"?",
            "jobs.yaml:23:5: job \"none\" has no command: give command: [\"program\", \"arg\"] or shell: 'a shell line'",
        ])
    }

    @Test("YAML syntax errors and duplicate keys point at their place")
    func syntax() {
        #expect(problems("jobs:\n  - name: x\n    command: [a, b\n") == [
            "jobs.yaml:4:1: YAML: did not find expected ',' or ']' (while parsing a flow sequence at line 3)"])
        #expect(problems("jobs:\n  - name: x\n    name: y\n") == ["jobs.yaml:2:5: duplicate key \"name\" in one mapping"])
        #expect(problems("") == ["jobs.yaml:1:1: the file is empty: it needs a jobs: list"])
        #expect(problems("- a\n- b\n").first?.hasPrefix("jobs.yaml:1:1: the file must be a mapping") == true)
        #expect(problems("workers: 2\n") == ["jobs.yaml:1:1: the file has no jobs: list"])
        #expect(problems("jobs:\n  - name: x\n    command: [[a]]\n    every: 1s\n").first?.contains("each word of command") == true)
    }

    @Test("schedules: every, fixed_delay, cron with a zone, after, at; keys that only fit some")
    func schedules() throws {
        let text = """
            jobs:
              - {name: a, command: [true], every: 1s, start_after: 2s, jitter: 100ms}
              - {name: b, command: [true], fixed_delay: 3s}
              - {name: c, command: [true], cron: "*/5 * * * *", timezone: Europe/Berlin, missed: catch_up}
              - {name: d, command: [true], after: 30s, retries: 2, give_up_after: 5}
              - {name: e, command: [true], at: "2026-12-24T18:00:00Z", paused: true}
            """
        let jobs = try parse(text).get().jobs
        #expect(jobs.map(\.when) == [
            .every(1_000_000_000, startAfterNs: 2_000_000_000), .fixedDelay(3_000_000_000, startAfterNs: nil),
            .cron("*/5 * * * *", timeZone: "Europe/Berlin"), .after(30_000_000_000),
            .at(Date(timeIntervalSince1970: 1_798_135_200)),
        ])
        #expect(jobs[0].jitterNs == 100_000_000 && jobs[2].missed == .catchUp && jobs[3].retries == 2 && jobs[3].giveUpAfter == 5 && jobs[4].paused)
        #expect(jobs[0].retries == 0 && jobs[0].giveUpAfter == nil && jobs[0].retriesText == "")
        #expect(jobs[3].retriesText == ", retries 2 (back-off 1s…5m), gives up after 5 failures in a row")
        #expect(problems("jobs:\n  - {name: a, command: [true], after: 1s, start_after: 1s}\n") == [
            "jobs.yaml:2:43: start_after applies to every and fixed_delay only"])
        #expect(problems("jobs:\n  - {name: a, command: [true], cron: '* * * * *', timezone: Mars/Base}\n") == [
            "jobs.yaml:2:61: unknown time zone \"Mars/Base\" (use a name such as Europe/Berlin or UTC)"])
        #expect(problems("jobs:\n  - {name: a, command: [true], every: 1s, cron: '* * * * *'}\n") == [
            "jobs.yaml:2:43: job \"a\" has both every and cron: give one schedule"])
    }

    @Test("env names, a missing cwd, sizes and ranges")
    func values() throws {
        let ok = try parse("jobs:\n  - {name: a, command: [true], every: 1s, output_limit: 1MiB, env: {A: '1', B: two}}\n").get()
        #expect(ok.jobs[0].outputLimit == 1 << 20 && ok.jobs[0].env == ["A": "1", "B": "two"])
        #expect(problems("jobs:\n  - {name: a, command: [true], every: 1s, env: {TICKWORK_JOB: x}}\n") == [
            "jobs.yaml:2:49: TICKWORK_JOB is set by Tickwork for each run"])
        #expect(problems("jobs:\n  - {name: a, command: [true], every: 1s, cwd: /no/such/dir}\n") == [
            "jobs.yaml:2:48: cwd /no/such/dir: no such directory"])
        #expect(problems("jobs:\n  - {name: a, command: [true], every: 1s, retries: 99999999999999999999}\n").first?
            .contains("retries must be a whole number 0…1000") == true)
        #expect(problems("jobs:\n  - {name: a, command: [true], every: 1s, give_up_after: 0}\n").first
            == "jobs.yaml:2:58: give_up_after must be 1…1000000 (got 0)")
        #expect(problems("jobs:\n  - {name: a, command: [true], every: 1s, output_limit: 1GB}\n").first?.contains("unknown unit \"GB\"") == true)
    }

    @Test("did-you-mean picks a close word and stays quiet for a far one")
    func suggestions() {
        #expect(didYouMean("comand", among: JobFileParser.jobKeys) == "command")
        #expect(didYouMean("kill_afer", among: JobFileParser.jobKeys) == "kill_after")
        #expect(didYouMean("tiemout", among: JobFileParser.jobKeys) == "timeout")
        #expect(didYouMean("zzzzzzzz", among: JobFileParser.jobKeys) == nil)
    }

    @Test("the example files in Resources/jobs are valid")
    func examples() throws {
        let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Resources/jobs").standardized
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".yaml") }
        #expect(files.count >= 3)
        for name in files {
            let result = JobFileParser.load(path: dir.appendingPathComponent(name).path)
            if case .failure(let e) = result { Issue.record("\(name): \(e)") }
        }
    }
}
