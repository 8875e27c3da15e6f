import Foundation

/// A span a person typed in seconds (a command-line option, later a job
/// file's field), checked against the range its setting allows and turned
/// into a `Duration` without overflow. The one place such text becomes
/// time: `inf`, `nan`, `1e30` or a value that rounds to 0 ns get a message
/// naming the setting, the value and the range, never a trap.
public struct SecondsInput: Sendable {
    /// What the person set, as they would write it (`--interval`).
    public let name: String
    public let range: ClosedRange<Double>
    /// True when the lower bound itself is refused ("more than 0").
    public let excludesLowerBound: Bool

    /// The largest span any setting takes: 100 years, as `Schedule.longestSpan`.
    public static let longest = Double(Schedule.longestSpan.components.seconds)

    public init(_ name: String, _ range: ClosedRange<Double>, excludingLowerBound: Bool = false) {
        precondition(range.upperBound <= Self.longest, "a seconds range must end within 100 years")
        self.name = name; self.range = range; self.excludesLowerBound = excludingLowerBound
    }

    /// The span, or a `UsageError` saying what is wrong with `seconds`.
    public func duration(_ seconds: Double) throws(UsageError) -> Duration {
        let below = excludesLowerBound ? seconds <= range.lowerBound : seconds < range.lowerBound
        guard seconds.isFinite, !below, seconds <= range.upperBound else { throw UsageError(rangeMessage(seconds)) }
        let ns = Int64((seconds * 1e9).rounded())   // within ±3.2e18: no overflow
        if ns == 0 && excludesLowerBound { throw UsageError(rangeMessage(seconds)) }
        return .nanoseconds(ns)
    }

    /// Whole nanoseconds of the checked span.
    public func nanoseconds(_ seconds: Double) throws(UsageError) -> Int64 { try duration(seconds).nanoseconds }

    func rangeMessage(_ seconds: Double) -> String {
        let lo = Self.text(range.lowerBound), hi = Self.text(range.upperBound)
        let allowed = excludesLowerBound ? "more than \(lo) and at most \(hi) seconds" : "\(lo)…\(hi) seconds"
        return "\(name) must be \(allowed) (got \(Self.text(seconds)))"
    }

    /// 0.05, 0.000001, 86400, 1e+30, inf: plain decimals to the nanosecond
    /// where they fit, else Swift's own form.
    static func text(_ v: Double) -> String {
        guard v.isFinite, Swift.abs(v) < 1e15, v == 0 || Swift.abs(v) >= 1e-9 else { return "\(v)" }
        if v == v.rounded() { return String(Int64(v)) }
        var digits = Array(String(format: "%.9f", v))
        while digits.last == "0" { digits.removeLast() }
        return String(digits)
    }
}

/// An integer setting a person typed, checked against its range.
public struct CountInput: Sendable {
    public let name: String
    public let range: ClosedRange<Int>
    public init(_ name: String, _ range: ClosedRange<Int>) { self.name = name; self.range = range }

    public func check(_ value: Int) throws(UsageError) -> Int {
        guard range.contains(value) else {
            throw UsageError("\(name) must be \(range.lowerBound)…\(range.upperBound) (got \(value))")
        }
        return value
    }
}

/// A value a person gave is out of range: the message names the setting,
/// the value and what is allowed. Front ends exit 64 (EX_USAGE) with it.
public struct UsageError: Error, Equatable, CustomStringConvertible, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
