/// One labelled figure of a demo, typed: a count stays a number from the
/// demo to the panel, the JSON report and a socket, and is never turned
/// into text and read back.
public struct DemoFigure: Sendable, Equatable, Codable {
    public var label: String
    public var value: FigureValue
    /// A message counted (an error's text and how often it came), kept apart
    /// from the figures so a reader never mistakes it for one.
    public var isMessage = false

    public init<T: BinaryInteger>(_ label: String, _ value: T) { self.label = label; self.value = .int(Int(clamping: value)) }
    public init(_ label: String, _ value: Double) { self.label = label; self.value = .double(value) }
    public init(_ label: String, _ text: String) { self.label = label; self.value = .text(text) }
    public init(_ label: String, _ value: FigureValue) { self.label = label; self.value = value }
    public init(message: String, count: Int) { label = message; value = .int(count); isMessage = true }

    /// As a panel shows it: counts grouped like every other number on
    /// screen (`jobs 1,000,000`), a counted message as `2× message`.
    public var item: String {
        isMessage ? "\(value.shown)× \(label)" : "\(label) \(value.shown)"
    }
}

/// A figure's value: a whole number, a number, or text. In JSON a number
/// is a number and text a string.
public enum FigureValue: Sendable, Equatable, Codable {
    case int(Int), double(Double), text(String)

    /// The plain form (`1000000`, `3.14`, `-`), as the headless line prints it.
    public var text: String {
        switch self { case .int(let i): return "\(i)"; case .double(let d): return "\(d)"; case .text(let t): return t }
    }
    /// The form a screen shows: whole numbers grouped (`1,000,000`).
    public var shown: String {
        if case .int(let i) = self { return formatGrouped(i) }
        return text
    }
    public var intValue: Int? { if case .int(let i) = self { return i }; return nil }
    public var doubleValue: Double? {
        switch self { case .int(let i): return Double(i); case .double(let d): return d; case .text: return nil }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self { case .int(let i): try c.encode(i); case .double(let d): try c.encode(d); case .text(let t): try c.encode(t) }
    }
    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let i = try? c.decode(Int.self) { self = .int(i) }
        else if let d = try? c.decode(Double.self) { self = .double(d) }
        else { self = .text(try c.decode(String.self)) }
    }
}

/// A demo's own small figures panel (e.g. the race totals): its name, what
/// it is doing (`running`, `stopping`, `stopped`, `failed: …`) and its
/// figures, which the view flows into as many columns as fit.
public struct DemoPanel: Sendable, Equatable, Codable {
    public var name: String
    public var status: String
    public var figures: [DemoFigure]
    public init(name: String, status: String = "running", figures: [DemoFigure]) {
        self.name = name; self.status = status; self.figures = figures
    }
    /// The figures as the panel shows them.
    public var items: [String] { figures.map(\.item) }
    public var isRunning: Bool { status == "running" }
    /// Running, or stopped but with jobs still winding down: not to be launched again yet.
    public var isActive: Bool { isRunning || status == "stopping" }
    public var title: String { isRunning ? name : "\(name) (\(status))" }
}

/// A demo the launch menu offers.
public struct DemoListing: Sendable, Equatable, Codable {
    public var name: String
    public var summary: String
    public init(name: String, summary: String) { self.name = name; self.summary = summary }
}
