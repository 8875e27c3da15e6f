import Foundation
import TickworkModel

/// One line of `tickwork headless`: the engine's state as plain text or as
/// one JSON object. Pure: a function of a snapshot (and the demos' figures).
public struct HeadlessReport: Encodable, Sendable {
    public struct Workers: Encodable, Sendable {
        public var total: Int; public var busy: Int
        public init(total: Int, busy: Int) { self.total = total; self.busy = busy }
    }
    public struct Queue: Encodable, Sendable { public var name: String; public var depth: Int; public var capacity: Int; public var overflow: Int }
    public struct Lateness: Encodable, Sendable { public var p50: Double?; public var p99: Double?; public var max: Double? }

    /// Seconds since the engine started.
    public var t: Double
    public var jobs_by_state: [String: Int]
    public var runs: Int
    public var errors: Int
    public var workers: Workers
    public var queues: [Queue]
    /// Over every run since the start, in milliseconds.
    public var lateness_ms: Lateness
    public var final: Bool?
    /// Demo name → figure → value (numbers as numbers), and the messages it counted.
    public var demos: [String: DemoFigures]?

    /// `before`: the snapshot taken before the wind-down, whose jobs per state
    /// the final line reports (after shutdown every job is cancelled).
    public init(_ s: EngineSnapshot, final: Bool = false, demos: [String: DemoFigures]? = nil,
                statesFrom before: EngineSnapshot? = nil) {
        t = Double(s.uptimeNs) / 1e9
        let states = before ?? s
        jobs_by_state = Dictionary(uniqueKeysWithValues: JobState.allCases.map { ($0.rawValue, states.count($0)) })
        runs = s.runs
        errors = s.errors
        workers = Workers(total: s.workers.filter { !$0.retiring && $0.phase != .stuck }.count, busy: s.busyWorkers)
        queues = s.queues.map { Queue(name: $0.name, depth: $0.depth, capacity: $0.capacity, overflow: $0.overflow) }
        func ms(_ us: Double?) -> Double? { us.map { $0.rounded() / 1000 } }   // whole µs, in ms
        lateness_ms = Lateness(p50: ms(s.lateness.percentileMicros(0.5)), p99: ms(s.lateness.percentileMicros(0.99)),
                               max: s.lateness.count > 0 ? ms(Double(s.lateness.maxMicros)) : nil)
        self.final = final ? true : nil
        self.demos = final ? demos : nil
    }

    /// One JSON object on one line.
    public var json: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? String(decoding: encoder.encode(self), as: UTF8.self)) ?? "{}"
    }

    /// One human line: `t=12.0s runs=1234 errors=0 workers 3/12 busy late p99 0.4ms queues default 0/100000 …`.
    public var plain: String {
        var parts = ["t=\(Format.fixed(t, 1))s", "runs=\(runs)", "errors=\(errors)", "workers=\(workers.busy)/\(workers.total)"]
        parts.append("late_p99=" + (lateness_ms.p99.map { Format.fixed($0, 3) + "ms" } ?? "-"))
        parts.append("jobs:" + JobState.allCases.compactMap { st in
            let n = jobs_by_state[st.rawValue] ?? 0
            return n > 0 ? " \(st.rawValue)=\(n)" : nil
        }.joined())
        for q in queues { parts.append("queue \(q.name)=\(q.depth)/\(q.capacity) overflow=\(q.overflow)") }
        var line = parts.joined(separator: "  ")
        if final == true {
            line = "final  " + line
            for (name, figures) in (demos ?? [:]).sorted(by: { $0.key < $1.key }) {
                line += "\n  \(name): " + figures.figures.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value.text)" }.joined(separator: " ")
                for (message, n) in figures.messages.sorted(by: { $0.key < $1.key }) { line += "\n    \(n)× \(message)" }
            }
        }
        return line
    }
}

/// One demo's figures in the final line: its figures as keys, and the
/// messages it counted under `"messages"` (so `"errors": 9` and
/// `"HTTP 503 from upstream": 2` are never siblings).
public struct DemoFigures: Encodable, Sendable, Equatable {
    public var figures: [String: FigureValue]
    public var messages: [String: Int]
    public init(_ all: [DemoFigure]) {
        figures = Dictionary(all.filter { !$0.isMessage }.map { ($0.label, $0.value) }, uniquingKeysWith: { a, _ in a })
        messages = Dictionary(all.filter(\.isMessage).map { ($0.label, $0.value.intValue ?? 0) }, uniquingKeysWith: +)
    }
    struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Key.self)
        for (k, v) in figures { try c.encode(v, forKey: Key(stringValue: k)) }
        if !messages.isEmpty { try c.encode(messages, forKey: Key(stringValue: "messages")) }
    }
}
