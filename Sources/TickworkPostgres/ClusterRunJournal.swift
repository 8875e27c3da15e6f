import Tickwork
import TickworkModel
import TickworkStore

/// Where a node's runs go on record: a run's start (the instant its
/// command started, by this machine's clock) and end, posted by the
/// worker running it, are written to `tickwork_runs` by one thread in
/// batches (one statement per kind a batch), fenced by the token the run
/// was claimed under: a node that lost its claim writes nothing over the
/// node that took it.
///
/// Threads: `started`/`ended` from workers, `claimed` from the claimer
/// (`lock` guards `pending`, `tokens`, `closing`, `written`, `posted`,
/// `failure`); the writer thread owns `db`.
final class ClusterRunJournal: StateStore, @unchecked Sendable {
    let location: String
    private let db: PostgresConnection
    private let node: String
    private let lock = Lock()
    private let wake = Condition()
    private let progress = Condition()
    private var pending: [StoreOp] = []
    private var tokens: [RunKey: Int64] = [:]
    private var posted = 0, written = 0
    private var closing = false, done = false
    private var failure: String?
    /// Ends written since the heartbeat last took the count (it adds them
    /// to the node's row: one update a second, not one a batch).
    private var endsUnreported = 0
    /// A flush waits: the writer skips its interval.
    private var urgent = false
    /// The least time between the starts of two batches: runs ending
    /// meanwhile go in the next (the database's cost is per commit).
    static let batchIntervalNs: Int64 = 100_000_000
    /// Runs ended (their workers are free again), after they are on
    /// record: how many, and their total duration.
    let onEnded: @Sendable (Int, Int64) -> Void

    init(_ url: PostgresURL, node: String, onEnded: @escaping @Sendable (Int, Int64) -> Void) throws(PostgresError) {
        db = try PostgresConnection(url, applicationName: "tickwork node \(node) runs")
        location = url.redacted
        self.node = node
        self.onEnded = onEnded
        startThread(name: "tickwork-cluster-runs") { [self] in writerLoop() }
    }

    /// The token a run was claimed under, for fencing its writes.
    func claimed(job: String, dueUs: Int64, token: Int64) {
        lock.withLock { tokens[RunKey(job: job, dueUs: dueUs)] = token }
    }

    func load(jobs names: [String]) throws(StoreError) -> [String: StoredJob] { [:] }
    func seen(job: String, command: String, atWallNs: Int64) {}
    func started(_ run: RunStart) { post(.started(run)) }
    func ended(_ run: RunEnd) { post(.ended(run)) }
    var health: String? { lock.withLock { failure } }

    private func post(_ op: StoreOp) {
        lock.withLock {
            guard !closing else { return }
            pending.append(op)
            posted += 1
            if pending.count == 1 { wake.signal() }
        }
    }

    /// Ends written since the last call (see `endsUnreported`).
    func takeEndsWritten() -> Int {
        lock.withLock { defer { endsUnreported = 0 }; return endsUnreported }
    }

    /// Puts back a count the heartbeat could not write.
    func giveBack(endsWritten n: Int) {
        lock.withLock { endsUnreported += n }
    }

    func flush() {
        lock.withLock {
            let target = posted
            urgent = true
            wake.signal()
            while written < target && !done { progress.wait(lock) }
        }
    }

    func close() {
        lock.withLock {
            guard !closing else { return }
            closing = true
            wake.signal()
            while !done { progress.wait(lock) }
        }
    }

    /// Takes what is pending and writes it; a batch the connection lost
    /// (the server restarting) is kept and tried again each second, so no
    /// run's end is lost to an outage; other failures are named in
    /// `health` and the batch dropped.
    private func writerLoop() {
        var batch: [StoreOp] = []
        var lastBatchNs = Int64.min / 2
        while true {
            let (ops, stop, fence): ([StoreOp], Bool, [RunKey: Int64]) = lock.withLock {
                while pending.isEmpty && !closing && batch.isEmpty { wake.wait(lock) }
                // Group commit: what ends within the interval since the last
                // batch waits to join this one (a flush or close does not wait).
                let until = lastBatchNs + Self.batchIntervalNs
                while !closing && !urgent && monotonicNanoseconds() < until { _ = wake.wait(lock, untilMonotonicNs: until) }
                urgent = false
                defer { pending.removeAll(keepingCapacity: true) }
                return (pending, closing, tokens)
            }
            batch += ops
            lastBatchNs = monotonicNanoseconds()
            var ends = 0, durationNs: Int64 = 0
            var retry = false
            do {
                (ends, durationNs) = try write(batch, fence: fence)
                lock.withLock { failure = nil }
            } catch {
                if error.connectionLost && !stop && batch.count < 1_000_000 {
                    retry = true
                    lock.withLock { failure = "runs wait to be written (\(batch.count)): \(error)" }
                } else {
                    lock.withLock { failure = "runs not written: \(error)" }
                    ends = batch.reduce(0) { n, op in if case .ended = op { return n + 1 }; return n }
                }
            }
            if retry {
                let until = monotonicNanoseconds() + 1_000_000_000
                lock.withLock { while !closing && monotonicNanoseconds() < until { _ = wake.wait(lock, untilMonotonicNs: until) } }
                continue
            }
            lock.withLock {
                for case .ended(let e) in batch { tokens[RunKey(job: e.job, dueUs: e.dueWallNs / 1000)] = nil }
                written += batch.count
                progress.broadcast()
            }
            batch.removeAll(keepingCapacity: true)
            if ends > 0 { onEnded(ends, durationNs) }
            if stop && lock.withLock({ pending.isEmpty }) { break }
        }
        lock.withLock { done = true; progress.broadcast() }
    }

    /// Starts then ends, each kind one statement over arrays; a run that
    /// started and ended within one batch (a short one) is written once,
    /// by its end. Returns how many ends the batch held and their total
    /// duration.
    private func write(_ ops: [StoreOp], fence: [RunKey: Int64]) throws(PostgresError) -> (ends: Int, durationNs: Int64) {
        var startUs: [RunKey: Int64] = [:]
        var endedHere = Set<RunKey>()
        var ends = 0, durationNs: Int64 = 0
        for op in ops {
            switch op {
            case .started(let r): startUs[RunKey(job: r.job, dueUs: r.dueWallNs / 1000)] = r.startWallNs / 1000
            case .ended(let e):
                endedHere.insert(RunKey(job: e.job, dueUs: e.dueWallNs / 1000))
                ends += 1; durationNs += e.record.durationNs
            case .seen: break
            }
        }
        var sJob: [String] = [], sDue: [Int64] = [], sToken: [Int64] = [], sStart: [Int64] = []
        var eJob: [String] = [], eDue: [Int64] = [], eToken: [Int64] = [], eOutcome: [String] = [], eFailed: [String] = []
        var eExit: [String?] = [], eStart: [String?] = []
        var trim = Set<String>()
        for op in ops {
            switch op {
            case .started(let r):
                let key = RunKey(job: r.job, dueUs: r.dueWallNs / 1000)
                guard let t = fence[key], !endedHere.contains(key) else { continue }
                sJob.append(r.job); sDue.append(key.dueUs); sToken.append(t); sStart.append(r.startWallNs / 1000)
            case .ended(let e):
                let key = RunKey(job: e.job, dueUs: e.dueWallNs / 1000)
                guard let t = fence[key] else { continue }
                eJob.append(e.job); eDue.append(key.dueUs); eToken.append(t); eOutcome.append(e.record.outcome)
                eFailed.append(e.record.failed ? "t" : "f"); eExit.append(e.exitCode.map(String.init))
                eStart.append(startUs[key].map(String.init))
                if Self.trimsAfter(key) { trim.insert(e.job) }
            case .seen: break
            }
        }
        guard !sJob.isEmpty || !eJob.isEmpty else { return (ends, durationNs) }
        try db.transaction { () throws(PostgresError) in   // one commit a batch
        if !sJob.isEmpty {
            try db.execute("""
                UPDATE tickwork_runs r SET state = 'running', started_at = to_timestamp(v.start_us / 1e6)
                FROM unnest($1::text[], $2::bigint[], $3::bigint[], $5::bigint[]) AS v(job, due_us, token, start_us)
                WHERE r.job = v.job AND r.due_us = v.due_us AND r.node = $4 AND r.token = v.token AND r.state = 'claimed'
                """, [postgresArray(sJob), postgresArray(sDue), postgresArray(sToken), node, postgresArray(sStart)])
        }
        if !eJob.isEmpty {
            try db.execute("""
                UPDATE tickwork_runs r SET state = 'ended', ended_at = now(), outcome = v.outcome, failed = v.failed, exit_code = v.exit_code,
                    started_at = coalesce(to_timestamp(v.start_us / 1e6), r.started_at)
                FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::text[], $5::boolean[], $6::integer[], $8::bigint[])
                     AS v(job, due_us, token, outcome, failed, exit_code, start_us)
                WHERE r.job = v.job AND r.due_us = v.due_us AND r.node = $7 AND r.token = v.token AND r.state IN ('claimed', 'running')
                """, [postgresArray(eJob), postgresArray(eDue), postgresArray(eToken), postgresArray(eOutcome),
                      "{" + eFailed.joined(separator: ",") + "}", postgresArray(eExit), node, postgresArray(eStart)])
        }
        if !trim.isEmpty { try Self.trim(jobs: Array(trim), db) }
        }
        lock.withLock { endsUnreported += eJob.count }
        return (ends, durationNs)
    }
}

extension ClusterRunJournal {
    /// Whether a run's end also trims its job's history to the newest
    /// `StateFile.keepRuns` (as one machine's state file keeps): about one
    /// end in 16, spread by a hash of the run, so each job is trimmed every
    /// 16 runs or so and the trim's cost (reading a hundred index entries)
    /// is shared among them.
    /// Deletes each job's ended and interrupted runs past its newest
    /// `StateFile.keepRuns` of them (runs still open are kept, whatever their age).
    static func trim(jobs: [String], _ db: PostgresConnection) throws(PostgresError) {
        // Per job, by its key (job, due): the generic plan of a join on the
        // jobs' array read the whole table, 46 ms a batch.
        try db.execute("""
            DELETE FROM tickwork_runs r WHERE (r.job, r.due_us) IN (
                SELECT o.job, o.due_us FROM unnest($1::text[]) AS v(job) CROSS JOIN LATERAL (
                    SELECT o.job, o.due_us FROM tickwork_runs o WHERE o.job = v.job AND o.state IN ('ended', 'interrupted')
                    ORDER BY o.due_us DESC OFFSET $2) o)
            """, [postgresArray(jobs), String(StateFile.keepRuns)])
    }

    static func trimsAfter(_ key: RunKey) -> Bool {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in key.job.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        h = (h ^ UInt64(bitPattern: key.dueUs)) &* 0x100_0000_01b3
        return (h >> 32) % 16 == 0
    }
}

/// A claimed run's key: its job and its tick.
struct RunKey: Hashable {
    let job: String
    let dueUs: Int64
}
