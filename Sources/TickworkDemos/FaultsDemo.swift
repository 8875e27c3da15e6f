import Synchronization
import Tickwork

/// Everything that goes wrong with periodic work, side by side, and where
/// the engine shows it — nothing hidden:
/// - `faults.flaky` throws on about a third of its runs; each error is
///   recorded with its message and run number, and the job carries on;
/// - `faults.always-fails` throws every time and backs off (1 s doubling to 8 s);
/// - three jobs every 500 ms whose runs take 1.2 s, one per missed-tick
///   policy (skip, run once late, re-anchor): the misses count differently;
/// - `faults.slow-call` outlives its 1 s timeout: the run is marked stuck,
///   its worker written off and replaced; it notices (`isPastTimeout`) and returns;
/// - `faults.hung` ignores cancel and its timeout alike, blocking its thread
///   for 10 s: the engine replaces the worker and the pool keeps its size
///   (a thread cannot be killed; it ends when the wait does).
public final class FaultsDemo: Demo, @unchecked Sendable {
    public let group = "faults"
    public let hangFor: Duration
    private let random: DemoRandom
    /// Guards `ids` and `thrown`.
    private let lock = Lock()
    /// Ends the hang early when the demo stops; guards `released`.
    private let hangGate = Monitor()
    private var released = false
    private var ids: [JobID] = []
    /// Errors this demo threw, by message.
    private var thrown: [String: Int] = [:]
    private weak var engine: Engine?

    struct Failure: Error, CustomStringConvertible { let description: String }
    public static let flakyMessages = ["connection refused", "HTTP 503 from upstream", "checksum mismatch in reply"]

    public init(seed: UInt64? = nil, hangFor: Duration = .seconds(10)) {
        random = DemoRandom(seed: seed)
        self.hangFor = hangFor
    }

    public func start(on engine: Engine) throws {
        self.engine = engine
        var specs = [
            JobSpec(name: "faults.flaky", group: group, schedule: .every(.seconds(1)), backoff: nil) { [weak self] _ in
                guard let self else { return }
                if self.random.unit() < 0.33 { throw self.failure(Self.flakyMessages[self.random.int(0...2)]) }
            },
            JobSpec(name: "faults.always-fails", group: group, schedule: .every(.seconds(2)),
                    backoff: Backoff(initial: .seconds(1), cap: .seconds(8))) { [weak self] _ in
                guard let self else { return }
                throw self.failure("disk full writing /var/spool/report")
            },
            JobSpec(name: "faults.slow-call", group: group, schedule: .every(.seconds(3)), timeout: .seconds(1), backoff: nil) { ctx in
                ctx.status("calling a slow service")
                if !ctx.sleep(for: .milliseconds(1500)) && ctx.isPastTimeout {
                    ctx.log("gave up: past the timeout")
                }
            },
            JobSpec(name: "faults.hung", group: group, schedule: .fixedDelay(.seconds(15)).startingAfter(.seconds(2)),
                    timeout: .seconds(2), backoff: nil) { [weak self] ctx in
                ctx.status("blocked in a call that ignores cancel")
                // Shown as waiting; the wait itself never looks at the context.
                ctx.waiting(on: "a call that ignores cancel") { self?.hang() }
            },
        ]
        for policy in [MissedTickPolicy.skip, .runOnceLate, .reanchor] {
            specs.append(JobSpec(name: "faults.overrun-\(policy.rawValue)", group: group,
                                 schedule: .every(.milliseconds(500), missed: policy)) { ctx in
                ctx.status("a 1.2 s run on a 0.5 s period")
                ctx.sleep(for: .milliseconds(1200))
            })
        }
        let submitted = try engine.submit(contentsOf: specs)
        lock.withLock { ids = submitted }
    }

    private func failure(_ message: String) -> Failure {
        lock.withLock { thrown[message, default: 0] += 1 }
        return Failure(description: message)
    }

    /// Blocks this thread for `hangFor` of real time, deaf to cancel (only
    /// stopping the demo ends it early, so no thread outlives the demo).
    private func hang() {
        let until = monotonicNanoseconds() + hangFor.nanoseconds
        _ = hangGate.wait(until: { released || monotonicNanoseconds() >= until }, unless: { false })
    }

    public func stop(on engine: Engine) {
        _ = engine.cancelGroup(group)
        hangGate.update { released = true }
    }

    /// The engine's record of this demo's jobs, and the errors it threw.
    public var record: (jobs: [JobInfo], thrown: [String: Int]) {
        let (mine, thrown) = lock.withLock { (ids, self.thrown) }
        return (mine.compactMap { engine?.info($0) }, thrown)
    }

    public func figures() -> [DemoFigure] {
        let (jobs, thrown) = record
        let misses = Dictionary(jobs.filter { $0.name.hasPrefix("faults.overrun-") }
            .map { (String($0.name.dropFirst("faults.overrun-".count)), $0.misses) }, uniquingKeysWith: { a, _ in a })
        var out = [
            DemoFigure("errors", jobs.reduce(0) { $0 + $1.errors }),
            DemoFigure("timeouts", jobs.reduce(0) { $0 + $1.timeouts }),
            DemoFigure("stuck_replaced", engine?.workersReplaced ?? 0),
        ]
        for p in MissedTickPolicy.allCases { if let m = misses[p.rawValue] { out.append(DemoFigure("missed_\(p.rawValue)", m)) } }
        for (message, n) in thrown.sorted(by: { $0.key < $1.key }) { out.append(DemoFigure(message: message, count: n)) }
        return out
    }
}
