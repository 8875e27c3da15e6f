#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Tickwork
import TickworkJobFile
import TickworkModel

/// One node of a cluster sharing a schedule through PostgreSQL. No
/// leader: every node claims due ticks itself.
///
/// - **Claims.** Each round, in one transaction, a node takes due ticks
///   (`FOR UPDATE SKIP LOCKED`: two nodes never take the same row) of jobs
///   with no run in flight anywhere (a job never overlaps itself), moves
///   each job's next tick on through its missed-tick policy, and inserts
///   the runs under the unique key `(job, due_us)`. The transaction first
///   checks (and share-locks) the node's own row with its token: a node
///   whose registration was taken over claims nothing.
/// - **Leases.** A node heartbeats every `heartbeat`; one silent for
///   `lease` is dead to the others: the first to notice deletes its row
///   and marks its claimed and running runs interrupted (a claim is a
///   start's promise, and the start may not be on record yet: never run
///   twice). A node that leaves gives back the claims it never started,
///   and another node runs them.
/// - **Fencing.** Every claim carries the node's token; a run starts only
///   while the node's last heartbeat is younger than `lease − heartbeat`
///   (by its own monotonic clock) and the claim is still its own, and every
///   write of a run checks the token. A frozen node that wakes starts
///   nothing, finds its heartbeat refused, drops its claims and registers
///   again under a new token.
///
/// - **Notifications.** `apply` and `resume` NOTIFY `tickwork_jobs` as
///   they commit; every node LISTENs and plans and claims at once.
///
/// Threads: the claimer, the heartbeat and the listener each own their connection; the
/// journal's writer owns its own. `lock` guards `token`, `lastBeatNs`,
/// `lost`, `stopping`, `leaving`, the threads' flags, `inFlight`, `claims`,
/// `notices`.
public final class ClusterNode: @unchecked Sendable {
    public struct Settings: Sendable {
        public var leaseSeconds = 5.0
        public var heartbeatSeconds = 1.0
        /// The longest a node waits before looking for due ticks again (it
        /// wakes at the next tick it knows of, sooner).
        public var pollSeconds = 0.25
        /// The least time between the starts of a node's claim rounds: while
        /// ticks keep falling due (a thousand a second), a round takes
        /// those of that time together rather than one or two each
        /// millisecond (a round is five statements; its cost, not a
        /// run's, is what the database pays).
        public var claimIntervalSeconds = 0.1
        /// Runs in flight at most (claimed, not yet ended); nil: what the
        /// engine's workers finish before the next round (`capacity`). A
        /// node claims only what it can run now, so a busy node leaves due
        /// ticks to the others.
        public var maxInFlight: Int? = nil
        /// The time a round's claims should last the workers: a worker
        /// whose runs take 1 ms is given up to 50 a round, one whose runs
        /// take a second, one.
        public var claimHorizonSeconds = 0.05
        /// The most runs a round gives each worker.
        public var claimsPerWorkerCap = 64
        public init() {}
    }

    public let name: String
    public let url: PostgresURL
    public let engine: Engine
    public let settings: Settings
    private let claimDB: PostgresConnection
    private let beatDB: PostgresConnection
    private let listenDB: PostgresConnection
    /// A job was added, changed or resumed (a notification): the claimer
    /// plans new ticks and looks at once.
    private var jobsChanged = false
    private var listenerRunning = false
    private var journal: ClusterRunJournal!
    private let lock = Lock()
    private let stopped = Condition()
    private var token: Int64 = 0
    private var lastBeatNs: Int64 = 0
    private var lost = false, stopping = false
    private var claimerRunning = false, beaterRunning = false, leaving = false
    /// A run ended since the claimer last looked (it may claim again).
    private var runEnded = false
    private var inFlight = 0
    private var claims = Set<RunKey>()
    /// The engine's workers (read as the node registers) and the mean
    /// duration of its runs (a moving average; a second until one ends):
    /// together, how many runs it takes at once.
    private var workers = 1
    private var meanRunNs = 1e9
    /// Lines for a person (lost the lease, rescued a node), newest last.
    private var notices: [String] = []
    private let panels: ClusterPanelSource
    /// The dashboard's controls' connection; `controlLock` guards it (the
    /// sampler thread of each attached dashboard may call `control`).
    private var controlDB: PostgresConnection?
    private let controlLock = Lock()

    public init(url: PostgresURL, engine: Engine, name: String, settings: Settings = Settings()) throws(PostgresError) {
        self.url = url; self.engine = engine; self.name = name; self.settings = settings
        panels = ClusterPanelSource(node: name, store: url.redacted)
        claimDB = try PostgresConnection(url, applicationName: "tickwork node \(name)")
        try ClusterSchema.migrate(claimDB)
        beatDB = try PostgresConnection(url, applicationName: "tickwork node \(name) heartbeat")
        listenDB = try PostgresConnection(url, applicationName: "tickwork node \(name) listen")
        try listenDB.execute("LISTEN \(ClusterSchema.jobsChannel)")
        journal = try ClusterRunJournal(url, node: name) { [weak self] n, ns in self?.ended(n, durationNs: ns) }
        try register()
    }

    /// Starts claiming and heartbeating.
    public func start() {
        lock.withLock { claimerRunning = true; beaterRunning = true; listenerRunning = true }
        startThread(name: "tickwork-cluster-listen") { [self] in listenLoop(); lock.withLock { listenerRunning = false; stopped.broadcast() } }
        startThread(name: "tickwork-cluster-claim") { [self] in claimLoop(); lock.withLock { claimerRunning = false; stopped.broadcast() } }
        startThread(name: "tickwork-cluster-beat") { [self] in beatLoop(); lock.withLock { beaterRunning = false; stopped.broadcast() } }
    }

    /// Stops claiming; the heartbeat goes on, so the runs in flight stay
    /// this node's while the engine finishes them (shut it down next).
    public func stopClaiming() {
        lock.withLock {
            stopping = true
            stopped.broadcast()
            while claimerRunning { stopped.wait(lock) }
        }
    }

    /// Leaves the cluster once the engine is done: the runs' ends are
    /// written, the heartbeat stops and the node's row goes, so its claims
    /// never started are taken over at once by the others.
    public func leave() {
        stopClaiming()
        lock.withLock {
            leaving = true
            stopped.broadcast()
            while beaterRunning || listenerRunning { stopped.wait(lock) }
        }
        journal.flush()
        // Claims never started (the engine's shutdown dropped them) go back
        // to the cluster: another node runs them.
        let (t, unstarted) = lock.withLock { (token, Array(claims)) }
        if !unstarted.isEmpty {
            _ = try? beatDB.execute("""
                UPDATE tickwork_runs r SET state = 'released' FROM unnest($3::text[], $4::bigint[]) AS v(job, due_us)
                WHERE r.job = v.job AND r.due_us = v.due_us AND r.node = $1 AND r.token = $2 AND r.state = 'claimed'
                """, [name, String(t), postgresArray(unstarted.map(\.job)), postgresArray(unstarted.map(\.dueUs))])
        }
        _ = try? beatDB.execute("DELETE FROM tickwork_nodes WHERE name = $1 AND token = $2", [name, String(t)])
        journal.close()
    }

    public var recentNotices: [String] { lock.withLock { notices } }

    /// Pause, resume or cancel `job` in the whole cluster, from a
    /// dashboard's key on one of this node's runs of it: one line saying
    /// what became of it. `togglingPause`: a pause of a job already paused
    /// there resumes it (the dashboard's `p`). Its own connection, made at
    /// first use.
    public func control(_ asked: ClusterControl.Verb, job: String, togglingPause: Bool = false) -> (changed: Bool, message: String) {
        controlLock.withLock {
            var verb = asked
            do {
                if controlDB == nil { controlDB = try PostgresConnection(url, applicationName: "tickwork node \(name) control") }
                var outcome = try ClusterControl.perform(verb, names: [job], group: nil, on: controlDB!)
                if togglingPause && verb == .pause && !outcome.unchanged.isEmpty {
                    verb = .resume
                    outcome = try ClusterControl.perform(verb, names: [job], group: nil, on: controlDB!)
                }
                let past = ["pause": "paused", "resume": "resumed", "cancel": "cancelled"][verb.rawValue]!
                if !outcome.changed.isEmpty {
                    let tail = verb == .pause ? ": no node claims its ticks (a run in progress finishes)"
                        : verb == .resume ? ": its next tick is planned from now" : ": removed until a job file applies it again"
                    return (true, "\(past) \(job) in the cluster\(tail)")
                }
                if !outcome.unchanged.isEmpty { return (false, "\(job) is already \(past) in the cluster") }
                return (false, "\(job) is no job of the cluster now (cancelled, or removed by apply)")
            } catch {
                return (false, "cluster: \(verb.rawValue) \(job) not done: \(error)")
            }
        }
    }

    /// The cluster as a dashboard shows it (`ClusterPanelSource`): read
    /// from the database each heartbeat while someone looks.
    public func panel() -> DemoPanel {
        let (local, notice) = lock.withLock { ("\(inFlight) of \(capacity) in flight\(lost ? ", lease lost" : "")", notices.last) }
        return panels.panel(local: local, notice: notice)
    }

    /// Told each notice as it happens (set before `start`): `serve` prints them.
    public var onNotice: (@Sendable (String) -> Void)?

    private func note(_ line: String) {
        lock.withLock {
            notices.append(line)
            if notices.count > 50 { notices.removeFirst() }
        }
        onNotice?(line)
    }

    // MARK: registration and heartbeat

    /// Takes (or takes back) the node's row under a new token.
    private func register() throws(PostgresError) {
        let rows = try beatDB.execute("""
            INSERT INTO tickwork_nodes (name, host, pid, workers, token) VALUES ($1, $2, $3, $4, nextval('tickwork_tokens'))
            ON CONFLICT (name) DO UPDATE SET host = excluded.host, pid = excluded.pid, workers = excluded.workers,
                token = excluded.token, started_at = now(), heartbeat_at = now()
            RETURNING token
            """, [name, ProcessInfo.processInfo.hostName, String(getpid()), String(engine.snapshot().targetWorkers)])
        let t = Int64(rows.first?[0] ?? "") ?? 0
        let count = engine.snapshot().targetWorkers
        lock.withLock { token = t; lastBeatNs = monotonicNanoseconds(); lost = false; workers = Swift.max(1, count) }
    }

    private func beatLoop() {
        var down = false
        var beats = 0
        while waitOrStop(seconds: settings.heartbeatSeconds, until: { self.leaving }) {
            do {
                try beat()
                if down { note("cluster: reconnected to \(url)"); down = false }
                try rescue()
                // A change of jobs is notified (the claimer plans it at
                // once); this look, which reads every job, is for a
                // notification lost to an outage.
                beats += 1
                if beats % 10 == 1 { try syncTicks(beatDB) }
                if beats % 10 == 6 { try vacuumTicks() }
                if panels.wanted { try panels.refresh(beatDB) }
            } catch {
                // An outage is said once, and its end once; other failures each time.
                if error.connectionLost {
                    if !down { note("cluster: lost \(url) (\(error)); starting nothing until it is back") }
                    down = true
                } else {
                    note("cluster: \(error)")
                }
            }
        }
    }

    /// One heartbeat: refused (zero rows) when another node declared this
    /// one dead; then every claim not started is dropped and the node
    /// registers again.
    private func beat() throws(PostgresError) {
        let t = lock.withLock { token }
        let ran = journal.takeEndsWritten()
        let rows: [[String?]]
        do {
            rows = try beatDB.execute("UPDATE tickwork_nodes SET heartbeat_at = now(), runs = runs + $3 WHERE name = $1 AND token = $2 RETURNING 1",
                                      [name, String(t), String(ran)])
        } catch {
            journal.giveBack(endsWritten: ran)
            throw error
        }
        if rows.isEmpty {
            journal.giveBack(endsWritten: ran)
            let dropped = lock.withLock {
                lost = true
                defer { claims.removeAll() }
                return claims.count
            }
            note("cluster: this node's lease was taken (it was silent past \(Int(settings.leaseSeconds)) s); \(dropped) claimed runs dropped; joining again")
            try register()
        } else {
            lock.withLock { lastBeatNs = monotonicNanoseconds() }
        }
    }

    /// Declares nodes silent past the lease dead: their running runs are
    /// interrupted, their claimed runs are this node's now.
    private func rescue() throws(PostgresError) {
        let t = lock.withLock { token }
        let lease = String(settings.leaseSeconds)
        let taken: [[String?]] = try beatDB.transaction { () throws(PostgresError) -> [[String?]] in
            let dead = try beatDB.execute("DELETE FROM tickwork_nodes WHERE heartbeat_at < now() - make_interval(secs => $1::double precision) RETURNING name", [lease])
            for row in dead { note("cluster: node \(row[0] ?? "?") silent past its lease; its runs are rescued") }
            // A claim is a promise to start at once (a node claims only what
            // it has workers for), and its start may not be on record yet:
            // a dead node's claims, like its runs, are interrupted, never
            // run a second time.
            // A job with `retry_interrupted: true` has its run given back
            // instead, and run again below.
            let cut = try beatDB.execute("""
                UPDATE tickwork_runs r SET
                    state = CASE WHEN j.spec->>'retryInterrupted' = 'true' THEN 'released' ELSE 'interrupted' END,
                    ended_at = now(), failed = true,
                    outcome = 'interrupted: node ' || r.node || ' went silent '
                        || CASE WHEN r.state = 'running' THEN 'mid-run' ELSE 'as it started the run' END
                        || CASE WHEN j.spec->>'retryInterrupted' = 'true' THEN '; run again' ELSE '' END
                FROM tickwork_jobs j
                WHERE j.name = r.job AND r.state IN ('claimed', 'running')
                  AND NOT EXISTS (SELECT 1 FROM tickwork_nodes n WHERE n.name = r.node AND n.token = r.token)
                RETURNING r.state
                """)
            let again = cut.filter { $0[0] == "released" }.count
            if !cut.isEmpty {
                note("cluster: \(cut.count - again) runs interrupted\(again > 0 ? ", \(again) to run again (retry_interrupted)" : "")")
            }
            // Claims a node gave back as it left, never started: run them here.
            return try beatDB.execute("""
                UPDATE tickwork_runs r SET node = $1, token = $2, state = 'claimed', claimed_at = now()
                FROM tickwork_jobs j
                WHERE j.name = r.job AND r.state = 'released'
                RETURNING r.job, r.due_us, j.spec::text
                """, [name, String(t)])
        }
        if !taken.isEmpty { hand(taken, token: t) }
    }

    /// Every tick row changes at each claim (a thousand a second), and the
    /// dead versions left in the due-time index lie exactly where a claim
    /// looks (ticks already past): between autovacuum's rounds (a minute
    /// apart) a claim read ten times the pages it needed. The table is
    /// small (a row a job), so each node vacuums it every 10 s; one
    /// vacuuming already is skipped, not waited for.
    private func vacuumTicks() throws(PostgresError) {
        try beatDB.execute("VACUUM (SKIP_LOCKED) tickwork_ticks")
    }

    /// Every job has a tick row at its generation: new or changed jobs are
    /// planned from now.
    func syncTicks(_ db: PostgresConnection) throws(PostgresError) {
        let rows = try db.execute("""
            SELECT j.name, j.spec::text, j.generation, (extract(epoch from now()) * 1000000)::bigint
            FROM tickwork_jobs j LEFT JOIN tickwork_ticks t ON t.job = j.name
            WHERE NOT j.removed AND (t.job IS NULL OR t.generation <> j.generation)
            """)
        guard !rows.isEmpty else { return }
        let decoder = JSONDecoder()
        var names: [String] = [], generations: [Int64] = [], dues: [String?] = []
        for row in rows {
            guard let name = row[0], let spec = row[1], let entry = try? decoder.decode(JobEntry.self, from: Data(spec.utf8)),
                  let now = Int64(row[3] ?? "") else { continue }
            names.append(name); generations.append(Int64(row[2] ?? "") ?? 0)
            dues.append(ClusterCadence.first(entry, nowUs: now).map(String.init))
        }
        try db.execute("""
            INSERT INTO tickwork_ticks (job, generation, next_due_us)
            SELECT * FROM unnest($1::text[], $2::bigint[], $3::bigint[])
            ON CONFLICT (job) DO UPDATE SET generation = excluded.generation, next_due_us = excluded.next_due_us
            WHERE tickwork_ticks.generation <> excluded.generation
            """, [postgresArray(names), postgresArray(generations), postgresArray(dues)])
        // Thousands of ticks at once (a file applied): the planner's figures
        // for the table are stale until autovacuum comes by, and a claim's
        // plan with them scanned every tick.
        if names.count >= 1000 { try db.execute("ANALYZE tickwork_ticks") }
    }

    /// Waits for notifications (a fifth of a second at a time, so leaving
    /// is quick) and wakes the claimer on one. A lost connection is made
    /// again and LISTENs again; the heartbeat says the outage.
    private func listenLoop() {
        var listening = true
        while !lock.withLock({ leaving }) {
            do {
                if !listening {
                    try listenDB.execute("LISTEN \(ClusterSchema.jobsChannel)")
                    listening = true
                }
                if !(try listenDB.notifications(waitingUpTo: 200)).isEmpty {
                    lock.withLock { jobsChanged = true; stopped.broadcast() }
                }
            } catch {
                listening = false
                _ = waitOrStop(seconds: 1, until: { self.leaving })
            }
        }
    }

    // MARK: claims

    private func claimLoop() {
        do { try syncTicks(claimDB) } catch { note("cluster: \(error)") }
        var wait = 0.0   // the first look at once
        var emptyRounds = 0
        var lastRoundNs = Int64.min / 2
        while waitOrStop(seconds: wait, wakingOnEnd: true) {
            // Woken by an end or a tick soon after the last round: the
            // ticks of the rest of the interval go in the next round too.
            let since = Double(monotonicNanoseconds() - lastRoundNs) / 1e9
            if since < settings.claimIntervalSeconds && !lock.withLock({ jobsChanged })
                && !waitOrStop(seconds: settings.claimIntervalSeconds - since) { break }
            lastRoundNs = monotonicNanoseconds()
            do {
                lock.withLock { runEnded = false }   // an end from here on wakes the next wait
                if lock.withLock({ defer { jobsChanged = false }; return jobsChanged }) { try syncTicks(claimDB) }
                var claimed = 0
                while true {
                    let (count, full) = try claimRound()
                    claimed += count
                    if !full { break }
                }
                emptyRounds = claimed > 0 ? 0 : emptyRounds + 1
                wait = try secondsToNextTick(emptyRounds: emptyRounds)
            } catch {
                if !error.connectionLost { note("cluster: \(error)") }   // the heartbeat says an outage once
                wait = settings.pollSeconds
            }
        }
    }

    /// One claim transaction: how many runs it claimed, and whether it
    /// filled its batch (more may be due).
    private func claimRound() throws(PostgresError) -> (Int, Bool) {
        let (t, free, fresh) = lock.withLock { (token, capacity - inFlight, leaseFresh && !stopping) }
        guard fresh, free > 0 else { return (0, false) }
        let claimed: [(job: String, due: Int64, entry: JobEntry)] = try claimDB.transaction { () throws(PostgresError) in
            let mine = try claimDB.execute("SELECT 1 FROM tickwork_nodes WHERE name = $1 AND token = $2 FOR SHARE", [name, String(t)])
            guard !mine.isEmpty else { return [] }
            let due = try claimDB.execute("""
                SELECT t.job, t.next_due_us, j.spec::text, (extract(epoch from now()) * 1000000)::bigint
                FROM tickwork_ticks t JOIN tickwork_jobs j ON j.name = t.job AND j.generation = t.generation
                WHERE t.next_due_us <= (extract(epoch from now()) * 1000000)::bigint AND NOT j.paused AND NOT j.removed
                  AND NOT EXISTS (SELECT 1 FROM tickwork_runs o WHERE o.job = t.job AND o.state IN ('claimed', 'running', 'released'))
                ORDER BY t.next_due_us LIMIT $1
                FOR UPDATE OF t SKIP LOCKED
                """, [String(free)])
            guard !due.isEmpty else { return [] }
            let decoder = JSONDecoder()
            var picked: [(job: String, due: Int64, entry: JobEntry)] = []
            var nextJob: [String] = [], nextDue: [String?] = []
            for row in due {
                guard let job = row[0], let d = Int64(row[1] ?? ""), let spec = row[2], let now = Int64(row[3] ?? ""),
                      let entry = try? decoder.decode(JobEntry.self, from: Data(spec.utf8)) else { continue }
                picked.append((job, d, entry))
                nextJob.append(job)
                nextDue.append(ClusterCadence.after(entry, dueUs: d, nowUs: now).next.map(String.init))
            }
            try claimDB.execute("""
                UPDATE tickwork_ticks t SET next_due_us = v.next, last_due_us = v.due_us, last_node = $4
                FROM unnest($1::text[], $2::bigint[], $3::bigint[]) AS v(job, next, due_us)
                WHERE t.job = v.job
                """, [postgresArray(nextJob), postgresArray(nextDue), postgresArray(picked.map(\.due)), name])
            let inserted = try claimDB.execute("""
                INSERT INTO tickwork_runs (job, due_us, node, token, state)
                SELECT v.job, v.due_us, $3, $4, 'claimed' FROM unnest($1::text[], $2::bigint[]) AS v(job, due_us)
                ON CONFLICT (job, due_us) DO NOTHING RETURNING job, due_us
                """, [postgresArray(picked.map(\.job)), postgresArray(picked.map(\.due)), name, String(t)])
            let won = Set(inserted.compactMap { r in r[0].flatMap { j in Int64(r[1] ?? "").map { RunKey(job: j, dueUs: $0) } } })
            return picked.filter { won.contains(RunKey(job: $0.job, dueUs: $0.due)) }
        }
        hand(claimed.map { [$0.job, String($0.due), nil] }, token: t, entries: claimed.map(\.entry))
        return (claimed.count, claimed.count == free)
    }

    /// How long the claimer waits: until the next tick of a job that may
    /// run (at most `pollSeconds`: a job applied or resumed elsewhere is
    /// seen by then). Ticks already due and not taken (another node holds
    /// them, or this one had no room): 2 ms if it has room now, doubling
    /// with each round that found nothing to take (up to 64 ms: nodes do
    /// not spin on each other's locked rows); with no room, until one of
    /// its runs ends (`ended` wakes it).
    private func secondsToNextTick(emptyRounds: Int) throws(PostgresError) -> Double {
        // The earliest tick by the index, not min() over the join (which
        // reads every tick).
        let rows = try claimDB.execute("""
            SELECT t.next_due_us - (extract(epoch from now()) * 1000000)::bigint
            FROM tickwork_ticks t JOIN tickwork_jobs j ON j.name = t.job AND j.generation = t.generation
            WHERE t.next_due_us IS NOT NULL AND NOT j.paused AND NOT j.removed
            ORDER BY t.next_due_us LIMIT 1
            """)
        guard let text = rows.first?[0], let us = Double(text) else { return settings.pollSeconds }
        if us <= 0 {
            let backoff = 0.002 * Double(1 << Swift.min(Swift.max(0, emptyRounds - 1), 5))
            return lock.withLock { inFlight < capacity } ? backoff : settings.pollSeconds
        }
        return Swift.min(settings.pollSeconds, Swift.max(0.002, us / 1e6))
    }

    /// Hands claimed runs to the engine: each a one-time job that starts
    /// its command only while the claim is still this node's.
    private func hand(_ rows: [[String?]], token t: Int64, entries: [JobEntry]? = nil) {
        let decoder = JSONDecoder()
        for (i, row) in rows.enumerated() {
            guard let job = row[0], let due = Int64(row[1] ?? "") else { continue }
            let entry: JobEntry
            if let entries { entry = entries[i] } else {
                guard let spec = row[2], let e = try? decoder.decode(JobEntry.self, from: Data(spec.utf8)) else { continue }
                entry = e
            }
            let key = RunKey(job: job, dueUs: due)
            journal.claimed(job: job, dueUs: due, token: t)
            lock.withLock { claims.insert(key); inFlight += 1 }
            let spec = entry.claimedRunSpec(dueWallNs: due * 1000, run: 1, store: journal) { [weak self] in
                self?.mayStart(key, token: t) ?? false
            }
            do { try engine.submit(spec) } catch {
                note("cluster: run of \(job) not started: \(error)")
                lock.withLock { claims.remove(key); inFlight -= 1 }
            }
        }
    }

    /// Just before a claimed run's command starts: still this node's claim,
    /// under the same token, and the lease fresh by this node's own clock.
    private func mayStart(_ key: RunKey, token t: Int64) -> Bool {
        lock.withLock {
            let stillMine = claims.remove(key) != nil
            if stillMine && t == token && !lost && leaseFresh { return true }
            inFlight -= 1   // it will not run: no end will free its place
            return false
        }
    }

    /// How many runs the node holds at once. `lock` held.
    private var capacity: Int {
        if let fixed = settings.maxInFlight { return fixed }
        let perWorker = Swift.min(Double(settings.claimsPerWorkerCap), Swift.max(1, settings.claimHorizonSeconds * 1e9 / meanRunNs))
        return workers * Int(perWorker)
    }

    /// `lock` held.
    private var leaseFresh: Bool {
        Double(monotonicNanoseconds() - lastBeatNs) / 1e9 < settings.leaseSeconds - settings.heartbeatSeconds
    }

    /// Stops as a SIGKILL would, for tests: the threads end, nothing is
    /// written, the row and the claims stay for the others to find.
    func haltForTesting() {
        lock.withLock {
            stopping = true
            leaving = true
            stopped.broadcast()
            while claimerRunning || beaterRunning || listenerRunning { stopped.wait(lock) }
        }
    }

    /// Runs ended: their places are free, and the claimer wakes to fill
    /// them. Their mean duration moves the average (an eighth a batch).
    private func ended(_ count: Int, durationNs: Int64) {
        lock.withLock {
            let mean = Double(durationNs) / Double(Swift.max(1, count))
            meanRunNs = Swift.max(1000, meanRunNs + (mean - meanRunNs) / 8)
            inFlight = Swift.max(0, inFlight - count)
            runEnded = true
            stopped.broadcast()
        }
    }

    /// Waits `seconds` or until `done` (default: stopping claims), or with
    /// `wakingOnEnd` until a run ends; false once done. `done` is read with
    /// `lock` held.
    private func waitOrStop(seconds: Double, until done: (() -> Bool)? = nil, wakingOnEnd: Bool = false) -> Bool {
        let deadline = monotonicNanoseconds() + Int64(seconds * 1e9)
        return lock.withLock {
            let finished = { done?() ?? self.stopping }
            while !finished() && monotonicNanoseconds() < deadline && !(wakingOnEnd && (runEnded || jobsChanged)) {
                _ = stopped.wait(lock, untilMonotonicNs: deadline)
            }
            return !finished()
        }
    }
}
