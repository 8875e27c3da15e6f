/// How an engine is set up. The defaults are the shipped defaults (the
/// benchmark uses them).
public struct EngineConfiguration: Sendable {
    /// Worker threads in the pool (resizable later).
    public var workers: Int
    /// log2 of the timer wheel's slot width in ns: the timer's leeway. 19 is
    /// about 524 µs: a run starts at most that much after its due time, plus
    /// wake-up and hand-over. Each slot costs a thread wake-up, so a wider
    /// slot costs less CPU per run (see DECISIONS.md 21).
    public var timerResolutionShift: Int
    /// Run queues created up front; a job naming another queue gets one with
    /// defaults. The `default` queue always exists.
    public var queues: [RunQueueConfig]
    /// Events kept in the ring (older ones are overwritten and counted as missed).
    public var eventCapacity: Int
    /// Record a `started` and a `finished` event for every run (failures and
    /// control events are always recorded).
    public var recordRunEvents: Bool
    /// Finished jobs (cancelled, retired, failed for good) kept for display;
    /// older ones are forgotten, oldest first, beyond this many …
    public var keepFinishedJobs: Int
    /// … or beyond this many bytes, as estimated when each finished (its
    /// record, name, logs, errors and histories: `Job.footprintBytes`).
    public var keepFinishedBytes: Int
    public var clock: any EngineClock

    public init(workers: Int = 4, timerResolutionShift: Int = 19, queues: [RunQueueConfig] = [],
                eventCapacity: Int = 4096, recordRunEvents: Bool = true, keepFinishedJobs: Int = 1000,
                keepFinishedBytes: Int = 1 << 20,
                clock: any EngineClock = MonotonicClock.shared) {
        self.workers = workers; self.timerResolutionShift = timerResolutionShift
        self.queues = queues; self.eventCapacity = eventCapacity; self.recordRunEvents = recordRunEvents
        self.keepFinishedJobs = keepFinishedJobs; self.keepFinishedBytes = keepFinishedBytes; self.clock = clock
    }
}

extension EngineConfiguration {
    /// The most worker threads a pool takes (a typo of a few zeros must not
    /// start a million threads).
    public static let maximumWorkers = 4096

    /// Throws what is out of range.
    public func validate() throws(EngineError) {
        func check(_ value: Int, _ range: ClosedRange<Int>, _ what: String) throws(EngineError) {
            guard range.contains(value) else {
                throw .invalidConfiguration("\(what) must be \(range.lowerBound)…\(range.upperBound) (got \(value))")
            }
        }
        try check(workers, 0...Self.maximumWorkers, "workers")
        try check(timerResolutionShift, 10...30, "timerResolutionShift")
        try check(eventCapacity, 1...10_000_000, "eventCapacity")
        try check(keepFinishedJobs, 0...10_000_000, "keepFinishedJobs")
        try check(keepFinishedBytes, 0...(1 << 40), "keepFinishedBytes")
        for q in queues { try q.validate() }
    }
}

/// Why a submission or control call was refused.
public enum EngineError: Error, Equatable, CustomStringConvertible {
    case shutDown
    case unknownJob(JobID)
    case unknownQueue(String)
    /// A job's description is wrong (no name, a timeout that is not positive…).
    case invalid(String)
    /// A schedule's figures are out of range (`Schedule.validate()`).
    case invalidSchedule(String)
    /// An engine, queue or pool setting is out of range.
    case invalidConfiguration(String)

    public var description: String {
        switch self {
        case .shutDown: return "the engine is shut down"
        case .unknownJob(let id): return "no job \(id)"
        case .unknownQueue(let name): return "no queue named '\(name)'"
        case .invalid(let why), .invalidSchedule(let why), .invalidConfiguration(let why): return why
        }
    }
}
