#if canImport(Glibc)
import Glibc
#endif
import Tickwork
import TickworkModel

/// The embedded store: one SQLite file (WAL, `synchronous=NORMAL`: a
/// commit survives the process being killed; only a power cut can lose the
/// last moments). Posted starts and ends wait in memory for the writer
/// thread, which writes everything pending in one transaction: at 1,000
/// runs a second that is a few commits a second, not a thousand.
///
/// Bounds (per job): the newest `keepRuns` runs; their output tails (the
/// last `keepTailBytes` of each stream) within `keepOutputBytes`, older
/// runs giving theirs up first (their outcome stays).
///
/// Threads: `started`/`ended` from any thread (`lock` guards `pending`,
/// `posted`, `written`, `closing`, `flushWanted`, `failure`, the figures); the writer thread writes;
/// `dbLock` guards `connection` (the writer, `load`).
public final class StateFile: StateStore, @unchecked Sendable {
    public static let keepRuns = 100
    public static let keepOutputBytes = 256 * 1024
    public static let keepTailBytes = 4096
    /// Runs a job's history hands the dashboard after a restart.
    public static let loadRuns = 20
    /// While posts keep coming, one transaction at most this often; a post
    /// after a quiet spell is written at once. A SIGKILL may lose the posts
    /// of the last window.
    static let batchWindowNs: Int64 = 50_000_000
    /// A batch this big is written at once.
    static let batchLimit = 5_000
    /// Posts waiting beyond this (the disk stalled) drop the oldest.
    static let pendingCap = 100_000
    /// The writer marks the file alive this often when idle: a run a crash
    /// cut off is recorded as lasting until then, at most.
    static let aliveEveryNs: Int64 = 5_000_000_000

    public let location: String
    /// Runs a crash had left running, marked interrupted when the file opened.
    public let interruptedAtOpen: Int

    private let fileLock: StateFileLock
    private let dbLock = Lock()
    private var connection: SQLiteConnection?
    private let lock = Lock()
    private let wake = Condition()
    private let progress = Condition()
    private var pending: [StoreOp] = []
    private var posted = 0, written = 0, dropped = 0
    private var closing = false, writerDone = false, flushWanted = false
    private var failure: String?
    /// The writer's own figures (its thread's CPU time), for the benchmark.
    private var batches = 0, writerCpuNs: Int64 = 0

    /// Opens (creating it and its folder) the state file at `path`.
    /// Refuses, with a line naming the problem, a file in use by another
    /// server, locked by another program, damaged, not ours, or of a newer
    /// schema.
    public init(path: String) throws(StoreError) {
        location = path
        try Self.makeFolder(of: path)
        fileLock = try StateFileLock(path: path)
        // Made 0600 before SQLite sees it (its -wal and -shm files take the
        // same mode): the runs' output may be private. Closed before SQLite
        // opens it, so no descriptor of ours can drop SQLite's locks.
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        if fd >= 0 { Glibc.close(fd) }
        let db: SQLiteConnection
        do { db = try SQLiteConnection(path: path, create: true, busyTimeoutMs: 2000) } catch {
            throw StoreError("cannot open \(path): \(error.message)")
        }
        do {
            try StateFileSetup.check(db, path: path)
            interruptedAtOpen = try StateFileSetup.markInterrupted(db, nowNs: wallNowNs())
        } catch let error as StoreError { throw error }
        catch { throw StateFileSetup.explain(error, path: path) }
        connection = db
        startThread(name: "tickwork-state") { [self] in writerLoop() }
    }

    deinit { close() }

    public var health: String? { lock.withLock { failure } }

    /// Transactions written, posts written, and the writer thread's CPU time.
    public var writerFigures: (batches: Int, written: Int, cpuNs: Int64) { lock.withLock { (batches, written, writerCpuNs) } }

    public func seen(job: String, command: String, atWallNs: Int64) { post(.seen(job: job, command: command, atWallNs: atWallNs)) }
    public func started(_ run: RunStart) { post(.started(run)) }
    public func ended(_ run: RunEnd) { post(.ended(run)) }

    private func post(_ op: StoreOp) {
        lock.withLock {
            guard !closing else { return }
            if pending.count >= Self.pendingCap {   // the disk stalled: the oldest go, and say so
                let n = pending.count / 10
                pending.removeFirst(n)
                written += n
                dropped += n
                failure = "\(location) is not keeping up; \(dropped) run records dropped"
            }
            pending.append(op)
            posted += 1
            if pending.count == 1 || pending.count == Self.batchLimit { wake.signal() }
        }
    }

    public func flush() {
        lock.withLock {
            let target = posted
            flushWanted = true
            wake.signal()
            while written < target && !writerDone { progress.wait(lock) }
        }
    }

    public func close() {
        lock.withLock {
            guard !closing else { return }
            closing = true
            wake.signal()
            while !writerDone { progress.wait(lock) }
        }
        dbLock.withLock { connection = nil }
        fileLock.release()
    }

    public func load(jobs names: [String]) throws(StoreError) -> [String: StoredJob] {
        dbLock.lock()
        defer { dbLock.unlock() }
        guard let db = connection else { throw StoreError("\(location) is closed") }
        do { return try StateFileReader.load(db, names: names, runs: Self.loadRuns) }
        catch { throw StateFileSetup.explain(error, path: location) }
    }

    /// The writer: waits for posts (or the alive mark's time), gathers what
    /// else arrives until `batchWindowNs` after its last write (group
    /// commit: at 1,000 runs a second, twenty transactions rather than two
    /// thousand; a lone post is written at once), writes it in
    /// one transaction. A busy file keeps the batch for the next try; any
    /// other failure is named in `health` and the batch is dropped.
    private func writerLoop() {
        var writer: StateFileWriter?
        var lastAlive: Int64 = 0
        var batch: [StoreOp] = []
        while true {
            let (ops, stop, flushing) = takeBatch(lastAlive: lastAlive, lastWriteNs: lastAlive, retrying: !batch.isEmpty)
            batch += ops
            let outcome: Result<Void, SQLiteError> = dbLock.withLock {
                guard let db = connection else { return .success(()) }
                return Result { () throws(SQLiteError) in
                    if writer == nil { writer = try StateFileWriter(db) }
                    try writer!.write(batch, nowNs: wallNowNs(), trim: stop || flushing)
                }
            }
            lastAlive = monotonicNanoseconds()
            let count = batch.count
            let cpu = threadCpuNs()
            lock.withLock { batches += 1; writerCpuNs = cpu }
            switch outcome {
            case .success:
                batch.removeAll(keepingCapacity: true)
                lock.withLock { written += count; failure = nil; progress.broadcast() }
            case .failure(let error) where error.isBusy && !stop:
                lock.withLock { failure = "\(location) is locked by another program; \(count) runs wait to be written" }
                let retryAt = monotonicNanoseconds() + 1_000_000_000
                lock.withLock { _ = wake.wait(lock, untilMonotonicNs: retryAt) }
            case .failure(let error):
                batch.removeAll(keepingCapacity: true)
                lock.withLock {
                    written += count
                    failure = "\(location): \(count) runs not written: \(error.message)"
                    progress.broadcast()
                }
            }
            if stop && batch.isEmpty && lock.withLock({ pending.isEmpty }) { break }
            if stop && !batch.isEmpty {   // still busy at close: give up on them, say so
                lock.withLock { failure = "\(location) stayed locked; \(batch.count) runs not written"; written += batch.count }
                break
            }
        }
        writer = nil   // its statements go before the connection does
        lock.withLock { writerDone = true; progress.broadcast() }
    }

    /// Waits for something to write, then for the batch window to pass
    /// (cut short by a flush, a close, or a full batch); takes it all.
    /// Also says whether the store is closing and whether a flush asked.
    private func takeBatch(lastAlive: Int64, lastWriteNs: Int64, retrying: Bool) -> ([StoreOp], Bool, Bool) {
        lock.withLock {
            while pending.isEmpty && !closing && !retrying {
                let due = lastAlive + Self.aliveEveryNs
                if monotonicNanoseconds() >= due { break }
                _ = wake.wait(lock, untilMonotonicNs: due)
            }
            // Adaptive group commit: a post after a quiet spell is written at
            // once; while posts keep coming, at most one transaction a window.
            if !pending.isEmpty {
                let until = lastWriteNs + Self.batchWindowNs
                while !closing && !flushWanted && pending.count < Self.batchLimit && monotonicNanoseconds() < until {
                    _ = wake.wait(lock, untilMonotonicNs: until)
                }
            }
            let flushing = flushWanted
            flushWanted = false
            defer { pending.removeAll(keepingCapacity: true) }
            return (pending, closing, flushing)
        }
    }

    /// What a SIGKILL leaves, for tests: the writer stops, the connection
    /// and the lock file go, and whatever was written stays as it was.
    func abandonForTesting() {
        lock.withLock {
            pending.removeAll()
            closing = true
            wake.signal()
            while !writerDone { progress.wait(lock) }
        }
        dbLock.withLock { connection = nil }
        fileLock.release()
    }

    /// The first row of a query, as integers, for tests.
    func inspectForTesting(_ sql: String) throws -> [Int64] {
        try dbLock.withLock {
            guard let db = connection else { return [] }
            let s = try db.prepare(sql)
            guard try s.step() else { return [] }
            return (0..<s.columnCount).map { s.int64($0) }
        }
    }

    private static func makeFolder(of path: String) throws(StoreError) {
        guard let slash = path.lastIndex(of: "/"), slash != path.startIndex else { return }
        let folder = String(path[..<slash])
        var parts: [String] = []
        var current = folder
        while access(current, F_OK) != 0, let s = current.lastIndex(of: "/"), s != current.startIndex {
            parts.append(current)
            current = String(current[..<s])
        }
        for dir in parts.reversed() where mkdir(dir, 0o700) != 0 && errno != EEXIST {
            throw StoreError("cannot make \(dir) for the state file: \(String(cString: strerror(errno)))")
        }
    }
}

/// A post waiting for a store's writer.
public enum StoreOp: Sendable {
    case seen(job: String, command: String, atWallNs: Int64)
    case started(RunStart)
    case ended(RunEnd)
}

func threadCpuNs() -> Int64 {
    var ts = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
    return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
}

/// The wall clock now, unix nanoseconds (the job file's runner reads it too).
public func wallNowNs() -> Int64 {
    var ts = timespec()
    clock_gettime(CLOCK_REALTIME, &ts)
    return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
}
