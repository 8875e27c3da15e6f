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
    /// A run ended (its worker is free again), after it is on record.
    let onEnded: @Sendable (Int) -> Void

    init(_ url: PostgresURL, node: String, onEnded: @escaping @Sendable (Int) -> Void) throws(PostgresError) {
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

    func flush() {
        lock.withLock {
            let target = posted
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
        while true {
            let (ops, stop, fence): ([StoreOp], Bool, [RunKey: Int64]) = lock.withLock {
                while pending.isEmpty && !closing && batch.isEmpty { wake.wait(lock) }
                defer { pending.removeAll(keepingCapacity: true) }
                return (pending, closing, tokens)
            }
            batch += ops
            var ends = 0
            var retry = false
            do {
                ends = try write(batch, fence: fence)
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
            if ends > 0 { onEnded(ends) }
            if stop && lock.withLock({ pending.isEmpty }) { break }
        }
        lock.withLock { done = true; progress.broadcast() }
    }

    /// Starts then ends, each kind one statement over arrays. Returns how
    /// many ends the batch held.
    private func write(_ ops: [StoreOp], fence: [RunKey: Int64]) throws(PostgresError) -> Int {
        var sJob: [String] = [], sDue: [Int64] = [], sToken: [Int64] = [], sStart: [Int64] = []
        var eJob: [String] = [], eDue: [Int64] = [], eToken: [Int64] = [], eOutcome: [String] = [], eFailed: [String] = []
        var eExit: [String?] = []
        for op in ops {
            switch op {
            case .started(let r):
                let key = RunKey(job: r.job, dueUs: r.dueWallNs / 1000)
                guard let t = fence[key] else { continue }
                sJob.append(r.job); sDue.append(key.dueUs); sToken.append(t); sStart.append(r.startWallNs / 1000)
            case .ended(let e):
                let key = RunKey(job: e.job, dueUs: e.dueWallNs / 1000)
                guard let t = fence[key] else { continue }
                eJob.append(e.job); eDue.append(key.dueUs); eToken.append(t); eOutcome.append(e.record.outcome)
                eFailed.append(e.record.failed ? "t" : "f"); eExit.append(e.exitCode.map(String.init))
            case .seen: break
            }
        }
        let ends = ops.reduce(0) { n, op in if case .ended = op { return n + 1 }; return n }
        guard !sJob.isEmpty || !eJob.isEmpty else { return ends }
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
                UPDATE tickwork_runs r SET state = 'ended', ended_at = now(), outcome = v.outcome, failed = v.failed, exit_code = v.exit_code
                FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::text[], $5::boolean[], $6::integer[])
                     AS v(job, due_us, token, outcome, failed, exit_code)
                WHERE r.job = v.job AND r.due_us = v.due_us AND r.node = $7 AND r.token = v.token AND r.state IN ('claimed', 'running')
                """, [postgresArray(eJob), postgresArray(eDue), postgresArray(eToken), postgresArray(eOutcome),
                      "{" + eFailed.joined(separator: ",") + "}", postgresArray(eExit), node])
            try db.execute("UPDATE tickwork_nodes SET runs = runs + $2 WHERE name = $1", [node, String(eJob.count)])
        }
        }
        return ends
    }
}

/// A claimed run's key: its job and its tick.
struct RunKey: Hashable {
    let job: String
    let dueUs: Int64
}
