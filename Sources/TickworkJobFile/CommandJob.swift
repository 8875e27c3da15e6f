import Foundation
import Glibc
import Tickwork
import TickworkProcess
import TickworkStore

/// The body of a job-file job: each run starts the command in its own
/// process group and waits for it on the worker, which shows as `waiting`
/// on the process meanwhile (other workers take the queued runs).
struct CommandJob: Sendable {
    let entry: JobEntry
    /// Tickwork's environment, from which the allow-list is taken.
    let inherited: [String: String]
    /// Where its runs and outputs go for the detail view.
    let log: CommandRunLog?
    /// Where its runs are kept across restarts (nil: memory only).
    var store: StateStore? = nil
    /// The highest run number an earlier server recorded: runs number on.
    var runBase = 0

    /// A cluster's run: the tick it claimed (its TICKWORK_DUE), and asked
    /// just before the command starts whether it still may (a node that
    /// lost its lease must not start a run another node now owns).
    var claimedDueWallNs: Int64? = nil
    var mayStart: (@Sendable () -> Bool)? = nil

    init(entry: JobEntry, inherited: [String: String], log: CommandRunLog?, store: StateStore? = nil, runBase: Int = 0) {
        self.entry = entry; self.inherited = inherited; self.log = log; self.store = store; self.runBase = runBase
    }

    /// The most lines of a run's output copied into the job's log.
    static let logLines = 8

    func run(_ ctx: JobContext) throws {
        let run = runBase + ctx.run
        let dueWall = claimedDueWallNs ?? dueWallNs(ctx)
        if let mayStart, !mayStart() {
            ctx.status("not started: this node lost its claim")
            return
        }
        if entry.command == .noop { return runNothing(ctx, run: run, dueWallNs: dueWall) }
        let spec = CommandSpec(argv: argv, environment: environment(ctx, run: run, dueWallNs: dueWall), workingDirectory: entry.cwd,
                               timeoutNs: entry.timeoutNs, killAfterNs: entry.killAfterNs, outputLimit: entry.outputLimit)
        let startWall = wallNowNs()
        var process: CommandProcess
        do { process = try CommandRunner.start(spec) } catch {
            var record = RunRecord(run: run, startWallNs: startWall, durationNs: 0, outcome: "\(error)", failed: true,
                                   stdout: nil, stderr: nil, stdoutBytes: 0, stderrBytes: 0, truncated: false)
            record.retry = ctx.retry
            let kept = log?.finished(ctx.jobID, command: entry.commandText, record: record) ?? record
            store?.ended(RunEnd(job: entry.name, command: entry.commandText, dueWallNs: dueWall, record: kept, exitCode: nil, signal: nil))
            throw error
        }
        log?.started(ctx.jobID, command: entry.commandText, pid: process.pid)
        store?.started(RunStart(job: entry.name, command: entry.commandText, run: run, retry: ctx.retry, dueWallNs: dueWall,
                                startWallNs: startWall, pid: process.pid))
        ctx.status("pid \(process.pid) running")
        let pid = process.pid, id = ctx.jobID, stopOnPause = entry.stopOnPause, log = log
        let result = ctx.waiting(on: "pid \(pid)") {
            process.wait(shouldStop: { ctx.isCancelled },
                         shouldFreeze: { (stopOnPause || log?.stopRequested(id) == true) && ctx.isPausePending },
                         frozen: { stopped in ctx.status(stopped ? "pid \(pid) stopped (SIGSTOP) while paused" : "pid \(pid) running") })
        }
        var runRecord = RunRecord(run: run, startWallNs: startWall, result: result)
        runRecord.retry = ctx.retry
        let kept = log?.finished(ctx.jobID, command: entry.commandText, record: runRecord)
        store?.ended(RunEnd(job: entry.name, command: entry.commandText, dueWallNs: dueWall, record: kept ?? runRecord,
                            exitCode: result.exitCode, signal: result.signalNumber))
        record(result, ctx)
        if result.failureMessage != nil { throw CommandFailed(message: kept?.outcome ?? result.failureMessage!) }
    }

    var argv: [String] {
        switch entry.command {
        case .argv(let words): return words
        case .shell(let script): return CommandSpec.shellArgv(script, name: entry.name)
        case .noop: return []
        }
    }

    /// A no-op run: on record as started and ended at once, with no process.
    private func runNothing(_ ctx: JobContext, run: Int, dueWallNs dueWall: Int64) {
        let startWall = wallNowNs()
        store?.started(RunStart(job: entry.name, command: entry.commandText, run: run, retry: ctx.retry, dueWallNs: dueWall,
                                startWallNs: startWall, pid: 0))
        let record = RunRecord(run: run, startWallNs: startWall, durationNs: wallNowNs() - startWall, outcome: "no-op",
                               failed: false, stdout: nil, stderr: nil, stdoutBytes: 0, stderrBytes: 0, truncated: false)
        let kept = log?.finished(ctx.jobID, command: entry.commandText, record: record) ?? record
        store?.ended(RunEnd(job: entry.name, command: entry.commandText, dueWallNs: dueWall, record: kept, exitCode: nil, signal: nil))
    }

    /// The wall-clock instant of the tick this run belongs to (a retry
    /// carries the due instant of the tick it retries).
    func dueWallNs(_ ctx: JobContext) -> Int64 {
        wallNowNs() - (ctx.now() - ctx.tickDueNs)
    }

    func environment(_ ctx: JobContext, run: Int, dueWallNs: Int64) -> [String: String] {
        CommandEnvironment.build(inherited: inherited, job: entry.env, run: [
            "TICKWORK_JOB": entry.name, "TICKWORK_RUN": String(run), "TICKWORK_DUE": rfc3339(unixNs: dueWallNs),
            "TICKWORK_RETRY": String(ctx.retry),
        ])
    }

    /// The run's end in the job's status, and the last lines of its output
    /// (stderr's marked) in the job's log.
    func record(_ result: CommandResult, _ ctx: JobContext) {
        let end: String
        switch result.termination {
        case .exited(let code): end = "exit \(code)"
        case .signaled(let sig): end = signalName(sig)
        }
        let bytes = result.stdout.totalBytes + result.stderr.totalBytes
        let truncated = result.stdout.truncated || result.stderr.truncated ? ", truncated" : ""
        ctx.status("\(end) in \(formatNanoseconds(result.durationNs)), \(formatGrouped(bytes)) bytes of output\(truncated)")
        var lines = Self.lastLines(result.stdout, prefix: "")
        lines += Self.lastLines(result.stderr, prefix: "stderr: ")
        for line in lines.suffix(Self.logLines) { ctx.log(line) }
    }

    static func lastLines(_ output: CapturedOutput, prefix: String) -> [String] {
        guard output.totalBytes > 0 else { return [] }
        return output.text.split(whereSeparator: \.isNewline).suffix(logLines).map { prefix + String($0.prefix(300)) }
    }
}

extension CommandResult {
    var exitCode: Int32? { if case .exited(let code) = termination { return code }; return nil }
    var signalNumber: Int32? { if case .signaled(let sig) = termination { return sig }; return nil }
}

/// A run that ended badly: its message is the failure the engine records.
struct CommandFailed: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}

/// `2026-12-01T09:00:00.000Z`: RFC 3339 in UTC with milliseconds.
func rfc3339(unixNs: Int64) -> String {
    let ms = unixNs >= 0 ? unixNs / 1_000_000 : (unixNs - 999_999) / 1_000_000
    var seconds = time_t(ms >= 0 ? ms / 1000 : (ms - 999) / 1000)
    let millis = Int(ms - Int64(seconds) * 1000)
    var parts = tm()
    gmtime_r(&seconds, &parts)
    func pad(_ n: Int32, _ width: Int) -> String {
        let s = String(n)
        return String(repeating: "0", count: Swift.max(0, width - s.count)) + s
    }
    return "\(pad(parts.tm_year + 1900, 4))-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2))T"
        + "\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2)):\(pad(parts.tm_sec, 2)).\(pad(Int32(millis), 3))Z"
}
