/// The states a person can see. The words are the interface: the dashboard
/// and headless output print `rawValue`.
public enum JobState: String, Sendable, CaseIterable, Codable, CodingKeyRepresentable, Comparable {
    /// Waiting in the due-time index until its next run is due.
    case scheduled
    /// Due, waiting in a run queue for a worker.
    case queued
    /// Its body is executing on a worker.
    case running
    /// Inside a run, in the context's interruptible sleep.
    case sleeping
    /// A person paused it: no run is dispatched until resumed.
    case paused
    /// Cancel was requested while a run was in progress; the run is told
    /// through its context and the job becomes `cancelled` when it ends.
    case cancelling
    /// Final: cancelled.
    case cancelled
    /// Final: finished by its own decision (`ctx.retire()`, or a one-shot
    /// that completed).
    case retired
    /// Its last run threw or timed out. A recurring job stays on its schedule
    /// (with back-off) and shows `failed` until a run succeeds; a one-shot, a
    /// job past its failure limit, or a stuck one stays here.
    case failed

    /// True for states a job never leaves by itself.
    @inlinable public var isFinal: Bool { self == .cancelled || self == .retired }

    public static func < (a: JobState, b: JobState) -> Bool { a.order < b.order }
    /// Position in `allCases` (a constant: tallies index by it on every move).
    /// How many states there are (`allCases.count`, which builds an array).
    package static let caseCount = 9

    @inlinable package var order: Int {
        switch self {
        case .scheduled: return 0
        case .queued: return 1
        case .running: return 2
        case .sleeping: return 3
        case .paused: return 4
        case .cancelling: return 5
        case .cancelled: return 6
        case .retired: return 7
        case .failed: return 8
        }
    }
}

/// Identifies a job in one engine. Never reused.
public struct JobID: Hashable, Sendable, Comparable, CustomStringConvertible, Codable {
    public let rawValue: UInt64
    @inlinable public init(_ raw: UInt64) { rawValue = raw }
    public static func < (a: JobID, b: JobID) -> Bool { a.rawValue < b.rawValue }
    public var description: String { "#\(rawValue)" }

    /// A bare number on the wire (`17`, not `{"rawValue":17}`): ids are in
    /// every row and event of a frame.
    public init(from decoder: any Decoder) throws { rawValue = try decoder.singleValueContainer().decode(UInt64.self) }
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(rawValue)
    }
}

/// An error recorded from a failed run.
public struct RunError: Sendable, Equatable, Codable {
    public var message: String
    /// Monotonic nanoseconds of the engine's clock.
    public var atNs: Int64
    /// The job's run number (1-based) that failed.
    public var run: Int
    /// True when the run was cut off by its timeout (stuck) rather than throwing.
    public var timedOut: Bool

    public init(message: String, atNs: Int64, run: Int, timedOut: Bool) {
        self.message = message; self.atNs = atNs; self.run = run; self.timedOut = timedOut
    }
}

extension JobState {
    /// Every state but retired and cancelled: the jobs still alive.
    public static let unfinished = Set(JobState.allCases).subtracting([.retired, .cancelled])
}
