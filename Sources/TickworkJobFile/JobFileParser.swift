import Foundation
import Tickwork
import TickworkProcess
import Yams

/// Turns the text of a job file into a checked `JobFile`, or every problem
/// in it as `FILE:LINE:COLUMN: message`. Validates on Yams' node tree (its
/// Codable decoder keeps no positions), so every message points at the key
/// or value at fault.
public enum JobFileParser {
    static let topKeys = ["workers", "queues", "jobs"]
    static let queueKeys = ["name", "capacity", "order", "when_full", "weight"]
    static let scheduleKeys = ["every", "fixed_delay", "cron", "after", "at"]
    static let jobKeys = ["name", "command", "shell", "every", "fixed_delay", "cron", "after", "at", "start_after",
                          "missed", "timezone", "timeout", "kill_after", "queue", "group", "priority", "retries", "give_up_after",
                          "backoff", "backoff_max", "jitter", "env", "cwd", "output_limit", "paused", "stop_on_pause",
                          "retry_interrupted"]
    public static let workerRange = 1...256
    public static let outputLimitRange = 16...(16 << 20)

    /// Reads and checks the file at `path`.
    public static func load(path: String, now: Date = Date(), acceptPastInstants: Bool = false) -> Result<JobFile, JobFileErrors> {
        guard let data = FileManager.default.contents(atPath: path) else {
            let reason = FileManager.default.fileExists(atPath: path) ? "cannot be read" : "no such file"
            return .failure(JobFileErrors(problems: [JobFileProblem(path: path, line: 1, column: 1, message: reason)]))
        }
        guard let text = String(data: data, encoding: .utf8) else {
            return .failure(JobFileErrors(problems: [JobFileProblem(path: path, line: 1, column: 1, message: "the file is not UTF-8 text")]))
        }
        return parse(text, path: path, now: now, acceptPastInstants: acceptPastInstants)
    }

    /// Checks `text` as the job file `path`. `now` places `after:` and
    /// decides whether an `at:` instant has passed; a reload accepts one
    /// that has (the job may have run already) and decides itself.
    public static func parse(_ text: String, path: String, now: Date = Date(),
                             acceptPastInstants: Bool = false) -> Result<JobFile, JobFileErrors> {
        var reader = NodeReader(path: path)
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch {
            reader.problems.append(syntaxProblem(error, path: path))
            return .failure(JobFileErrors(problems: reader.problems))
        }
        guard let root else {
            reader.problem(at: nil, "the file is empty: it needs a jobs: list")
            return .failure(JobFileErrors(problems: reader.problems))
        }
        var file = JobFile(path: path, workers: nil, queues: [], jobs: [])
        guard let top = reader.entries(of: root, what: "the file", allowed: topKeys) else {
            return .failure(JobFileErrors(problems: reader.problems))
        }
        if let w = top["workers"] { file.workers = reader.int(w.value, key: "workers", range: workerRange) }
        if let q = top["queues"] { file.queues = readQueues(q.value, &reader) }
        if let j = top["jobs"] {
            file.jobs = readJobs(j.value, queues: file.queues.map(\.name), now: acceptPastInstants ? .distantPast : now, &reader)
        } else {
            reader.problem(at: root, "the file has no jobs: list")
        }
        let sorted = reader.problems.sorted { ($0.line, $0.column) < ($1.line, $1.column) }
        return sorted.isEmpty ? .success(file) : .failure(JobFileErrors(problems: sorted))
    }

    /// An instant as a job file's `at:` takes it, or nil.
    public static func instant(_ text: String, zone: TimeZone) -> Date? {
        try? ValueText.instant(text, zone: zone).get()
    }

    static func syntaxProblem(_ error: Error, path: String) -> JobFileProblem {
        func at(_ mark: Mark, _ message: String) -> JobFileProblem {
            JobFileProblem(path: path, line: mark.line, column: mark.column, message: message)
        }
        switch error as? YamlError {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
             .composer(let context, let problem, let mark, _):
            let where_ = context.map { " (\($0.text) at line \($0.mark.line))" } ?? ""
            return at(mark, "YAML: \(problem)\(where_)")
        case .duplicatedKeysInMapping(let duplicates, let context):
            return at(context.mark, "duplicate key \(duplicates.map { "\"\($0)\"" }.joined(separator: ", ")) in one mapping")
        case .reader(let problem, _, _, _):
            return JobFileProblem(path: path, line: 1, column: 1, message: "YAML: \(problem)")
        default:
            return JobFileProblem(path: path, line: 1, column: 1, message: "YAML: \(error)")
        }
    }

    static func readQueues(_ node: Node, _ reader: inout NodeReader) -> [RunQueueConfig] {
        guard let list = node.sequence else { reader.problem(at: node, "queues must be a list"); return [] }
        var queues: [RunQueueConfig] = []
        var seen: [String: Int] = [:]
        for (i, item) in list.enumerated() {
            guard let keys = reader.entries(of: item, what: "queues[\(i)]", allowed: queueKeys) else { continue }
            guard let nameNode = keys["name"]?.value, let name = reader.text(nameNode, key: "name") else {
                if keys["name"] == nil { reader.problem(at: item, "queues[\(i)] has no name") }
                continue
            }
            if let line = seen[name] { reader.problem(at: nameNode, "duplicate queue name \"\(name)\" (first at line \(line))"); continue }
            seen[name] = nameNode.mark?.line ?? 0
            guard !name.isEmpty, var q = try? RunQueueConfig(name: name) else { reader.problem(at: nameNode, "a queue needs a name"); continue }
            if let c = keys["capacity"] { q.capacity = reader.int(c.value, key: "capacity", range: 1...10_000_000) ?? q.capacity }
            if let o = keys["order"] { q.order = reader.choice(o.value, key: "order", QueueOrder.allCases.map { ($0.rawValue, $0) }) ?? q.order }
            if let f = keys["when_full"] {
                q.whenFull = reader.choice(f.value, key: "when_full", [("drop_oldest", QueueFullPolicy.dropOldest), ("reject", .rejectNewest), ("reject_newest", .rejectNewest)]) ?? q.whenFull
            }
            if let w = keys["weight"] { q.weight = reader.int(w.value, key: "weight", range: 1...1000) ?? q.weight }
            do { try q.validate() } catch { reader.problem(at: item, "queue \"\(name)\": \(error)") }
            queues.append(q)
        }
        return queues
    }

    static func readJobs(_ node: Node, queues: [String], now: Date, _ reader: inout NodeReader) -> [JobEntry] {
        guard let list = node.sequence else { reader.problem(at: node, "jobs must be a list (each item starts with \"- name:\")"); return [] }
        var jobs: [JobEntry] = []
        var seen: [String: Int] = [:]
        for (i, item) in list.enumerated() {
            // A duplicate is still read: its other problems are reported too.
            if let nameNode = item.mapping?["name"], let name = nameNode.scalar?.string {
                if let line = seen[name] {
                    reader.problem(at: nameNode, "duplicate job name \"\(name)\" (first at line \(line))")
                } else {
                    seen[name] = nameNode.mark?.line ?? 0
                }
            }
            if let job = JobReader(item: item, index: i, queues: queues, now: now).read(&reader) { jobs.append(job) }
        }
        return jobs
    }
}
