import Foundation
import Tickwork
import TickworkProcess
import Yams

/// Reads one item of `jobs:` into a `JobEntry`, reporting what is wrong
/// with it into the shared reader.
struct JobReader {
    let item: Node
    let index: Int
    let queues: [String]
    let now: Date

    func read(_ reader: inout NodeReader) -> JobEntry? {
        let before = reader.problems.count
        guard let keys = reader.entries(of: item, what: "jobs[\(index)]", allowed: JobFileParser.jobKeys) else { return nil }
        var name = "jobs[\(index)]"
        if let n = keys["name"], let text = reader.text(n.value, key: "name") {
            if text.trimmingCharacters(in: .whitespaces).isEmpty { reader.problem(at: n.value, "a job's name cannot be empty") }
            else { name = text }
        } else if keys["name"] == nil {
            reader.problem(at: item, "jobs[\(index)] has no name")
        }
        let what = "job \"\(name)\""
        let command = readCommand(keys, what: what, &reader)
        let when = readWhen(keys, what: what, &reader)
        var job = JobEntry(
            name: name, command: command ?? .argv([]), when: when ?? .after(0), missed: nil, timeoutNs: nil,
            killAfterNs: CommandSpec.defaultKillAfterNs, queue: RunQueueConfig.defaultName, group: "default",
            priority: 0, retries: 0, backoffNs: Backoff.standard.initialNs, backoffMaxNs: Backoff.standard.capNs,
            jitterNs: 0, env: [:], cwd: nil, outputLimit: CommandSpec.defaultOutputLimit, paused: false,
            line: item.mark?.line ?? 0)
        readLimits(keys, into: &job, &reader)
        readPlacement(keys, into: &job, &reader)
        readEnvironment(keys, into: &job, &reader)
        return reader.problems.count == before ? job : nil
    }

    func readCommand(_ keys: [String: (key: Node, value: Node)], what: String, _ reader: inout NodeReader) -> JobEntry.Command? {
        switch (keys["command"], keys["shell"]) {
        case (nil, nil):
            reader.problem(at: item, "\(what) has no command: give command: [\"program\", \"arg\"] or shell: 'a shell line'")
        case (.some, .some(let shell)):
            reader.problem(at: shell.key, "\(what) has both command and shell: give one")
        case (.some(let c), nil):
            if c.value.scalar != nil {
                let text = c.value.scalar!.string
                reader.problem(at: c.value, "command must be a list of words, e.g. [\(text.split(separator: " ").map { "\"\($0)\"" }.joined(separator: ", "))] (no shell reads it); for a shell line use shell:")
                return nil
            }
            guard let words = reader.words(c.value, key: "command") else { return nil }
            guard let program = words.first, !program.isEmpty else { reader.problem(at: c.value, "command is empty"); return nil }
            return .argv(words)
        case (nil, .some(let s)):
            guard let script = reader.text(s.value, key: "shell") else { return nil }
            guard !script.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { reader.problem(at: s.value, "shell is empty"); return nil }
            return .shell(script)
        }
        return nil
    }

    func readWhen(_ keys: [String: (key: Node, value: Node)], what: String, _ reader: inout NodeReader) -> JobEntry.When? {
        let given = JobFileParser.scheduleKeys.filter { keys[$0] != nil }
        guard let kind = given.first else {
            reader.problem(at: item, "\(what) has no schedule: give one of every, fixed_delay, cron, after, at")
            return nil
        }
        if given.count > 1 {
            reader.problem(at: keys[given[1]]!.key, "\(what) has both \(given[0]) and \(given[1]): give one schedule")
            return nil
        }
        let node = keys[kind]!.value
        let startAfter = keys["start_after"].flatMap { reader.duration($0.value, key: "start_after", positive: false) }
        if let s = keys["start_after"], kind != "every" && kind != "fixed_delay" {
            reader.problem(at: s.key, "start_after applies to every and fixed_delay only")
        }
        if let m = keys["missed"], kind != "every" && kind != "cron" {
            reader.problem(at: m.key, "missed applies to every and cron only")
        }
        if let z = keys["timezone"], kind != "cron" && kind != "at" {
            reader.problem(at: z.key, "timezone applies to cron and at only")
        }
        let zoneName = keys["timezone"].flatMap { reader.text($0.value, key: "timezone") }
        var zone = TimeZone.current
        if let zoneName, let z = keys["timezone"] {
            guard let found = TimeZone(identifier: zoneName) else {
                reader.problem(at: z.value, "unknown time zone \"\(zoneName)\" (use a name such as Europe/Berlin or UTC)")
                return nil
            }
            zone = found
        }
        switch kind {
        case "every":
            return reader.duration(node, key: "every", positive: true).map { .every($0, startAfterNs: startAfter) }
        case "fixed_delay":
            return reader.duration(node, key: "fixed_delay", positive: true).map { .fixedDelay($0, startAfterNs: startAfter) }
        case "after":
            return reader.duration(node, key: "after", positive: false).map { .after($0) }
        case "cron":
            guard let text = reader.text(node, key: "cron") else { return nil }
            do { _ = try CronExpression(parsing: text, timeZone: zone) } catch {
                let message = "\(error)"
                reader.problem(at: node, message.hasPrefix("cron") ? message : "cron: \(message)")
                return nil
            }
            return .cron(text, timeZone: zoneName)
        default:
            guard let text = reader.text(node, key: "at") else { return nil }
            switch ValueText.instant(text, zone: zone) {
            case .failure(let message): reader.problem(at: node, "at: \(message)"); return nil
            case .success(let date):
                let longest = Double(Schedule.longestSpan.components.seconds)
                if now != .distantPast, date.timeIntervalSince(now) > longest {
                    reader.problem(at: node, "at: \(text) is more than 100 years away (the longest span a schedule takes)")
                    return nil
                }
                if date.timeIntervalSince1970 > 9e9 || date.timeIntervalSince1970 < 0 {
                    reader.problem(at: node, "at: \(text) is outside 1970…2255")
                    return nil
                }
                if date < now {
                    reader.problem(at: node, "at: \(text) has passed (it is now \(Self.localText(now, zone))); a one-time job needs an instant to come")
                    return nil
                }
                return .at(date)
            }
        }
    }

    func readLimits(_ keys: [String: (key: Node, value: Node)], into job: inout JobEntry, _ reader: inout NodeReader) {
        if let v = keys["missed"] {
            job.missed = reader.choice(v.value, key: "missed", MissedTickPolicy.allCases.map { (Self.snake($0.rawValue), $0) })
        }
        if let v = keys["timeout"] { job.timeoutNs = reader.duration(v.value, key: "timeout", positive: true) }
        if let v = keys["kill_after"] { job.killAfterNs = reader.duration(v.value, key: "kill_after", positive: false) ?? job.killAfterNs }
        if let v = keys["retries"] { job.retries = reader.int(v.value, key: "retries", range: 0...JobSpec.maxRetries) ?? 0 }
        if let v = keys["give_up_after"] { job.giveUpAfter = reader.int(v.value, key: "give_up_after", range: 1...1_000_000) }
        if let v = keys["backoff"] { job.backoffNs = reader.duration(v.value, key: "backoff", positive: false) ?? job.backoffNs }
        if let v = keys["backoff_max"] { job.backoffMaxNs = reader.duration(v.value, key: "backoff_max", positive: false) ?? job.backoffMaxNs }
        if keys["backoff_max"] != nil, job.backoffMaxNs < job.backoffNs {
            reader.problem(at: keys["backoff_max"]!.value, "backoff_max (\(formatNanoseconds(job.backoffMaxNs))) is shorter than backoff (\(formatNanoseconds(job.backoffNs)))")
        }
        if let v = keys["jitter"] { job.jitterNs = reader.duration(v.value, key: "jitter", positive: false) ?? 0 }
        if let v = keys["output_limit"], let s = reader.text(v.value, key: "output_limit") {
            switch ValueText.size(s) {
            case .failure(let message): reader.problem(at: v.value, "output_limit: \(message)")
            case .success(let n):
                let r = JobFileParser.outputLimitRange
                if r.contains(n) { job.outputLimit = n } else {
                    reader.problem(at: v.value, "output_limit must be \(r.lowerBound) bytes…16MiB (got \(s))")
                }
            }
        }
        if let v = keys["paused"] { job.paused = reader.bool(v.value, key: "paused") ?? false }
        if let v = keys["stop_on_pause"] { job.stopOnPause = reader.bool(v.value, key: "stop_on_pause") ?? false }
        if let v = keys["retry_interrupted"], reader.bool(v.value, key: "retry_interrupted") == true { job.retryInterrupted = true }
    }

    func readPlacement(_ keys: [String: (key: Node, value: Node)], into job: inout JobEntry, _ reader: inout NodeReader) {
        if let v = keys["queue"], let q = reader.text(v.value, key: "queue") {
            if q == RunQueueConfig.defaultName || queues.contains(q) { job.queue = q } else {
                let known = ([RunQueueConfig.defaultName] + queues)
                let hint = didYouMean(q, among: known).map { "; did you mean \"\($0)\"?" } ?? ""
                reader.problem(at: v.value, "unknown queue \"\(q)\" (queues: \(known.joined(separator: ", ")))\(hint)")
            }
        }
        if let v = keys["group"], let g = reader.text(v.value, key: "group") {
            if g.isEmpty { reader.problem(at: v.value, "group cannot be empty") } else { job.group = g }
        }
        if let v = keys["priority"] { job.priority = reader.int(v.value, key: "priority", range: -1_000_000...1_000_000) ?? 0 }
    }

    func readEnvironment(_ keys: [String: (key: Node, value: Node)], into job: inout JobEntry, _ reader: inout NodeReader) {
        if let v = keys["env"] {
            if let mapping = v.value.mapping {
                for (key, value) in mapping {
                    guard let k = key.scalar?.string, let val = value.scalar?.string else {
                        reader.problem(at: key, "env entries must be NAME: value"); continue
                    }
                    if k.isEmpty || k.contains("=") || k.contains("\0") || k.first!.isNumber {
                        reader.problem(at: key, "\"\(k)\" is not an environment variable name"); continue
                    }
                    if k.hasPrefix("TICKWORK_") { reader.problem(at: key, "\(k) is set by Tickwork for each run"); continue }
                    if val.contains("\0") { reader.problem(at: value, "an environment value cannot hold a NUL byte"); continue }
                    job.env[k] = val
                }
            } else {
                reader.problem(at: v.value, "env must be a mapping of NAME: value")
            }
        }
        if let v = keys["cwd"], let dir = reader.text(v.value, key: "cwd") {
            var isDir: ObjCBool = false
            if FileManager.default.fileExists(atPath: dir, isDirectory: &isDir), isDir.boolValue { job.cwd = dir } else {
                reader.problem(at: v.value, "cwd \(dir): no such directory")
            }
        }
    }

    /// `runOnceLate` → `run_once_late`.
    static func snake(_ camel: String) -> String {
        camel.reduce(into: "") { s, c in if c.isUppercase { s += "_" + c.lowercased() } else { s.append(c) } }
    }

    static func localText(_ date: Date, _ zone: TimeZone) -> String {
        NextRuns.wallText(date, zone: zone, format: "yyyy-MM-dd'T'HH:mm:ss")
    }
}
