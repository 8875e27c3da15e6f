/// A line a job logged through its context.
public struct LogLine: Sendable, Equatable, Codable {
    public var atNs: Int64
    public var run: Int
    public var text: String

    public init(atNs: Int64, run: Int, text: String) {
        self.atNs = atNs; self.run = run; self.text = text
    }
}

