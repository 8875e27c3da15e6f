#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Testing
import TickworkModel
@testable import TickworkStore

/// The state file on real SQLite files in a temporary folder: what is
/// written comes back after a reopen, history stays bounded, and every
/// file it cannot use is named in one line.
@Suite struct StateFileTests {
    let folder: String

    init() throws {
        folder = NSTemporaryDirectory() + "tickwork-store-\(getpid())-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    }

    func start(_ job: String, run: Int, due: Int64, pid: Int32? = 4242) -> RunStart {
        RunStart(job: job, command: "echo \(job)", run: run, retry: 0, dueWallNs: due, startWallNs: due + 1_000_000, pid: pid)
    }

    func end(_ job: String, run: Int, due: Int64, output: String = "hello\n", failed: Bool = false) -> RunEnd {
        let record = RunRecord(run: run, startWallNs: due + 1_000_000, durationNs: 5_000_000, outcome: failed ? "exit 3" : "exit 0",
                               failed: failed, stdout: output, stderr: failed ? "boom\n" : "", stdoutBytes: output.utf8.count,
                               stderrBytes: failed ? 5 : 0, truncated: false)
        return RunEnd(job: job, command: "echo \(job)", dueWallNs: due, record: record, exitCode: failed ? 3 : 0, signal: nil)
    }

    @Test func whatIsWrittenComesBackAfterAReopen() throws {
        let path = folder + "/state/a.sqlite"   // the folder is made
        let store = try StateFile(path: path)
        for run in 1...3 {
            let due = Int64(run) * 60_000_000_000
            store.started(start("backup", run: run, due: due))
            store.ended(end("backup", run: run, due: due, failed: run == 2))
        }
        store.close()
        let again = try StateFile(path: path)
        defer { again.close() }
        #expect(again.interruptedAtOpen == 0)
        let kept = try again.load(jobs: ["backup", "never-ran"])
        #expect(kept.keys.sorted() == ["backup"])
        let job = try #require(kept["backup"])
        #expect(job.lastDueWallNs == 180_000_000_000 && job.lastRun == 3 && job.command == "echo backup")
        #expect(job.runs.map(\.run) == [1, 2, 3])
        #expect(job.runs.map(\.outcome) == ["exit 0", "exit 3", "exit 0"])
        #expect(job.runs[1].failed && job.runs[1].stderr == "boom\n" && job.runs[2].stdout == "hello\n")
        #expect(job.runs[0].durationNs == 5_000_000 && job.runs[0].startWallNs == 60_001_000_000)
        #expect((try? FileManager.default.attributesOfItem(atPath: folder + "/state")[.posixPermissions] as? Int) == 0o700)
    }

    @Test func aRunCutOffIsRecordedAsInterrupted() throws {
        let path = folder + "/b.sqlite"
        let store = try StateFile(path: path)
        store.started(start("sync", run: 1, due: 10_000_000_000))
        store.ended(end("sync", run: 1, due: 10_000_000_000))
        store.started(start("sync", run: 2, due: 20_000_000_000, pid: 777))
        store.flush()
        // What a SIGKILL leaves: run 2 written as running, the file never closed.
        store.abandonForTesting()
        let again = try StateFile(path: path)
        defer { again.close() }
        #expect(again.interruptedAtOpen == 1)
        let job = try #require(try again.load(jobs: ["sync"])["sync"])
        #expect(job.runs.map(\.run) == [1, 2])
        #expect(job.runs[1].failed && job.runs[1].outcome == "interrupted: the server stopped before the run ended (pid 777)")
        #expect(job.lastDueWallNs == 20_000_000_000 && job.lastRun == 2)
    }

    @Test func historyIsBoundedInRunsAndBytes() throws {
        let path = folder + "/c.sqlite"
        let store = try StateFile(path: path)
        let big = String(repeating: "x", count: 9_000) + "\n"   // 9 KB written, its last 4 KB kept
        for run in 1...(StateFile.keepRuns + 50) {
            let due = Int64(run) * 1_000_000_000
            store.started(start("chatty", run: run, due: due))
            store.ended(end("chatty", run: run, due: due, output: big))
        }
        store.flush()
        let counts = try store.inspectForTesting("SELECT count(*), sum(kept_bytes), min(run) FROM runs WHERE job = 'chatty'")
        #expect(counts[0] == Int64(StateFile.keepRuns) && counts[2] == 51)
        #expect(counts[1] <= Int64(StateFile.keepOutputBytes) && counts[1] > Int64(StateFile.keepOutputBytes - StateFile.keepTailBytes))
        let job = try #require(try store.load(jobs: ["chatty"])["chatty"])
        #expect(job.runs.count == StateFile.loadRuns && job.runs.last?.run == StateFile.keepRuns + 50)
        #expect(job.runs.last?.stdout?.utf8.count == StateFile.keepTailBytes && job.runs.last?.stdoutBytes == 9_001)
        store.close()
    }

    @Test func aSecondServerOnTheSameFileIsRefusedByName() throws {
        let path = folder + "/d.sqlite"
        let store = try StateFile(path: path)
        defer { store.close() }
        #expect(throws: StoreError("\(path) is in use by another tickwork (pid \(getpid())); give each server its own --state")) {
            _ = try StateFile(path: path)
        }
    }

    @Test func aFileThatIsNotOursIsNamed() throws {
        let garbage = folder + "/garbage.sqlite"
        try Data((0..<8192).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }).write(to: URL(fileURLWithPath: garbage))
        #expect(throws: StoreError("\(garbage) is not a Tickwork state file (file is not a database); move it away or choose another --state")) {
            _ = try StateFile(path: garbage)
        }
        let other = folder + "/other.sqlite"
        try SQLiteConnection(path: other, create: true, busyTimeoutMs: 0).execute("CREATE TABLE songs(title TEXT)")
        #expect(throws: StoreError("\(other) is not a Tickwork state file (another program's SQLite database); choose another --state")) {
            _ = try StateFile(path: other)
        }
    }

    @Test func aNewerSchemaIsRefused() throws {
        let path = folder + "/e.sqlite"
        try StateFile(path: path).close()
        try SQLiteConnection(path: path, create: false, busyTimeoutMs: 0).execute("PRAGMA user_version = 7")
        #expect(throws: StoreError("\(path) was written by a newer Tickwork (state schema 7; this one knows up to 1); upgrade, or choose another --state")) {
            _ = try StateFile(path: path)
        }
    }

    @Test func aDamagedFileIsNamed() throws {
        let path = folder + "/f.sqlite"
        let store = try StateFile(path: path)
        for run in 1...200 { store.ended(end("j\(run % 7)", run: run, due: Int64(run), output: String(repeating: "y", count: 3000))) }
        store.close()
        // Pages after the first overwritten: the header still says SQLite.
        let fd = open(path, O_WRONLY)
        let junk = [UInt8](repeating: 0xA5, count: 16_384)
        _ = junk.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 4096) }
        close(fd)
        let error = #expect(throws: StoreError.self) { _ = try StateFile(path: path) }
        #expect(error?.description.hasPrefix("\(path) is damaged (") == true, "\(String(describing: error))")
        #expect(error?.description.hasSuffix("); move it away to start afresh") == true)
    }

    @Test func aFileLockedByAnotherProgramIsNamed() throws {
        let path = folder + "/g.sqlite"
        try StateFile(path: path).close()
        let holder = try SQLiteConnection(path: path, create: false, busyTimeoutMs: 0)
        try holder.execute("BEGIN IMMEDIATE; INSERT INTO meta(key, value) VALUES ('held', 1)")
        let error = #expect(throws: StoreError.self) { _ = try StateFile(path: path) }
        #expect(error?.description.hasPrefix("\(path) is locked by another program (database is locked") == true, "\(String(describing: error))")
        try holder.execute("ROLLBACK")
        try StateFile(path: path).close()
    }

    @Test func tailsCutAtACharacterBoundary() {
        #expect(StateFileWriter.tail("abcdef", 3) == "def")
        #expect(StateFileWriter.tail("ab", 3) == "ab")
        #expect(StateFileWriter.tail("aé€", 4) == "€")   // é is 2 bytes, € is 3: 4 bytes from the end would split é
    }
}
