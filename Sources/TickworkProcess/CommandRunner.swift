import CTickworkSpawn
import Glibc
import Tickwork

/// Runs commands in their own session and process group, captures their
/// output, stops them on time and reaps every process they started.
///
/// `run` is synchronous: the calling thread (an engine worker) waits on the
/// child's pidfd and pipes in `poll`, waking at least every 50 ms to ask
/// `shouldStop` (a cancel, a shutdown). Stopping is systemd's: SIGTERM and
/// SIGCONT to the whole group, SIGKILL after `killAfterNs`. When the leader
/// ends, what is left of its group is stopped the same way, and everything
/// is reaped: Tickwork is the child subreaper, so orphaned grandchildren
/// come back to it instead of becoming zombies under a PID 1 that does not
/// reap. Each run is owned by the thread that called `run`.
public enum CommandRunner {
    /// Made a subreaper before the first spawn; false if the kernel refused.
    public static let isSubreaper: Bool = ctw_become_subreaper() == 0

    /// How often a run checks `shouldStop` while nothing happens.
    static let stopCheckNs: Int64 = 50_000_000
    /// How often a run looks for the rest of its group to end once the
    /// leader has (nothing to poll on for processes that are not children).
    static let groupCheckNs: Int64 = 5_000_000
    /// After SIGKILL, how long to wait for the group to vanish before giving
    /// up on a process stuck in the kernel (reported, never waited for).
    static let afterKillLimitNs: Int64 = 5_000_000_000

    /// Runs `spec` to its end on this thread. Throws only when the command
    /// could not be started; every way a started command ends is a `CommandResult`.
    public static func run(_ spec: CommandSpec, shouldStop: () -> Bool = { false }) throws(CommandError) -> CommandResult {
        var child = try start(spec)
        return child.wait(shouldStop: shouldStop)
    }

    /// Starts `spec`; the caller must `wait` on the result (that reaps it
    /// and closes its descriptors), on the same thread or another.
    public static func start(_ spec: CommandSpec) throws(CommandError) -> CommandProcess {
        _ = isSubreaper
        let child = try CommandProcess.spawn(spec)
        LiveGroups.shared.add(child.pid)
        return child
    }

    /// Sends SIGKILL to every group still running and reaps what it can
    /// within `within`: the last thing before the process exits, so a run
    /// the engine abandoned at its shutdown deadline leaves nothing behind.
    /// Returns how many groups were still there.
    @discardableResult
    public static func killRemaining(within: Duration = .seconds(1)) -> Int {
        let groups = LiveGroups.shared.all
        for pgid in groups { _ = ctw_signal_group(pgid, SIGKILL) }
        let end = monotonicNow() + within.nanoseconds
        while monotonicNow() < end && groups.contains(where: { ctw_group_alive($0) != 0 }) {
            for pgid in groups { while ctw_reap_group_member(pgid, 0) > 0 {} }
            usleep(2_000)
        }
        return groups.count
    }

    /// The bare floor of a run, for the benchmark: the same program started
    /// with `posix_spawn` and reaped with `waitpid`, output to /dev/null, no
    /// session, pipes or pidfd. True when it exited 0.
    public static func spawnAndReapBare(_ spec: CommandSpec) throws(CommandError) -> Bool {
        guard let program = spec.argv.first else { throw .emptyCommand }
        let path = try ExecutableLookup.resolve(program, path: spec.environment["PATH"], workingDirectory: nil)
        let envLines = spec.environment.map { "\($0.key)=\($0.value)" }
        return withCStrings(spec.argv) { argv in withCStrings(envLines) { envp in ctw_spawn_and_reap_bare(path, argv, envp) } } == 0
    }


    static func monotonicNow() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
    }
}

/// Process groups started and not yet reaped. Any thread; `lock` guards `pids`.
final class LiveGroups: @unchecked Sendable {
    static let shared = LiveGroups()
    private let lock = Lock()
    private var pids: Set<Int32> = []
    func add(_ pid: Int32) { lock.withLock { _ = pids.insert(pid) } }
    func remove(_ pid: Int32) { lock.withLock { _ = pids.remove(pid) } }
    var all: [Int32] { lock.withLock { Array(pids) } }
}

/// One started command and what is known of it so far. Owned by the
/// thread that waits on it.
public struct CommandProcess {
    /// The leader's pid, also the group's id.
    public let pid: Int32
    let spec: CommandSpec
    let startNs: Int64
    var pidfd: Int32
    var outFd: Int32
    var errFd: Int32
    var stdout: CapturedOutput
    var stderr: CapturedOutput
    var termination: Termination?
    var stopped: StopReason?
    var leftovers = false
    /// When the group gets SIGKILL (set once it got SIGTERM).
    var killAtNs: Int64?
    var killedAtNs: Int64?
    /// Stopped with SIGSTOP since this instant (a paused job), else nil;
    /// time stopped does not count toward the timeout.
    var frozenSinceNs: Int64?
    var frozenTotalNs: Int64 = 0

    static func spawn(_ spec: CommandSpec) throws(CommandError) -> CommandProcess {
        guard let program = spec.argv.first else { throw .emptyCommand }
        if let dir = spec.workingDirectory {
            var st = stat()
            guard stat(dir, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR else { throw .noDirectory(dir) }
        }
        let path = try ExecutableLookup.resolve(program, path: spec.environment["PATH"], workingDirectory: spec.workingDirectory)
        let envLines = spec.environment.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        var pid: Int32 = -1, pidfd: Int32 = -1, out: Int32 = -1, err: Int32 = -1
        let rc = withCStrings(spec.argv) { argv in
            withCStrings(envLines) { envp in
                ctw_spawn(path, argv, envp, spec.workingDirectory, &pid, &pidfd, &out, &err)
            }
        }
        if rc != 0 { throw .spawnFailed(program: program, errno: rc) }
        return CommandProcess(pid: pid, spec: spec, startNs: CommandRunner.monotonicNow(), pidfd: pidfd,
                              outFd: out, errFd: err,
                              stdout: CapturedOutput(limit: spec.outputLimit), stderr: CapturedOutput(limit: spec.outputLimit))
    }

    /// Waits for the run to end (stopping it when `shouldStop` says so or
    /// its timeout passes), reaps its group and closes its descriptors.
    /// While `shouldFreeze` says so the group is stopped (SIGSTOP), and
    /// continued (SIGCONT) when it no longer does; the timeout does not run
    /// meanwhile. `frozen` hears each change.
    public mutating func wait(shouldStop: () -> Bool = { false }, shouldFreeze: () -> Bool = { false },
                              frozen: (Bool) -> Void = { _ in }) -> CommandResult {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 65_536, alignment: 16)
        defer { buffer.deallocate(); closeAll(); LiveGroups.shared.remove(pid) }
        while true {
            let now = CommandRunner.monotonicNow()
            reapGroup()
            checkFreeze(now: now, shouldFreeze: shouldFreeze, frozen: frozen)
            checkLimits(now: now, shouldStop: shouldStop)
            if termination != nil && (!groupAlive || givenUp(now)) {
                drainPipes(buffer)
                break
            }
            pollOnce(timeoutNs: pollTimeout(now: now), buffer: buffer)
        }
        return CommandResult(pid: pid, termination: termination!, stopped: stopped, killed: killedAtNs != nil,
                             leftovers: leftovers, stdout: stdout, stderr: stderr,
                             durationNs: CommandRunner.monotonicNow() - startNs)
    }

    var groupAlive: Bool { ctw_group_alive(pid) != 0 }

    /// Stops or continues the group as `shouldFreeze` asks (never once the
    /// run is ending).
    mutating func checkFreeze(now: Int64, shouldFreeze: () -> Bool, frozen: (Bool) -> Void) {
        guard termination == nil, stopped == nil else { return }
        let want = shouldFreeze()
        if want, frozenSinceNs == nil {
            _ = ctw_signal_group(pid, SIGSTOP)
            frozenSinceNs = now
            frozen(true)
        } else if !want, let since = frozenSinceNs {
            _ = ctw_signal_group(pid, SIGCONT)
            frozenTotalNs += now - since
            frozenSinceNs = nil
            frozen(false)
        }
    }

    /// How long the run has run, not counting time stopped.
    func activeNs(_ now: Int64) -> Int64 { now - startNs - frozenTotalNs - (frozenSinceNs.map { now - $0 } ?? 0) }

    /// Starts stopping on a cancel or a timeout, escalates to SIGKILL at
    /// the grace's end, and stops leftovers once the leader has ended.
    mutating func checkLimits(now: Int64, shouldStop: () -> Bool) {
        if stopped == nil && termination == nil {
            if shouldStop() { stopped = .cancelled; terminate(now: now) }
            else if let limit = spec.timeoutNs, activeNs(now) >= limit { stopped = .timeout(limit); terminate(now: now) }
        }
        if termination != nil && killAtNs == nil && groupAlive {
            leftovers = true
            terminate(now: now)
        }
        if let killAt = killAtNs, killedAtNs == nil, now >= killAt {
            _ = ctw_signal_group(pid, SIGKILL)
            killedAtNs = now
        }
    }

    mutating func terminate(now: Int64) {
        guard killAtNs == nil else { return }
        _ = ctw_signal_group(pid, SIGTERM)
        _ = ctw_signal_group(pid, SIGCONT)   // a stopped group must run to die
        frozenSinceNs = nil
        killAtNs = now &+ Swift.max(0, spec.killAfterNs)
    }

    /// Reaps the leader (its status is the run's) and any other ended child
    /// of the group (orphans that came back to the subreaper).
    mutating func reapGroup() {
        if termination == nil {
            var kind: Int32 = 0, code: Int32 = 0
            switch ctw_pidfd_reap(pidfd, &kind, &code) {
            case 1: termination = kind == 1 ? .exited(code) : .signaled(code)
            // Reaped by someone else: only `killRemaining` does, with SIGKILL.
            case -1 where errno == ECHILD: termination = .signaled(SIGKILL)
            default: break
            }
        }
        while ctw_reap_group_member(pid, pid) > 0 {}
    }

    func givenUp(_ now: Int64) -> Bool {
        guard let killed = killedAtNs else { return false }
        return now - killed > CommandRunner.afterKillLimitNs
    }

    func pollTimeout(now: Int64) -> Int64 {
        var wait = termination != nil ? CommandRunner.groupCheckNs : CommandRunner.stopCheckNs
        if termination == nil, stopped == nil, frozenSinceNs == nil, let limit = spec.timeoutNs { wait = Swift.min(wait, limit - activeNs(now)) }
        if let killAt = killAtNs, killedAtNs == nil { wait = Swift.min(wait, killAt - now) }
        return Swift.max(0, wait)
    }

    mutating func pollOnce(timeoutNs: Int64, buffer: UnsafeMutableRawBufferPointer) {
        var fds: [pollfd] = []
        if outFd >= 0 { fds.append(pollfd(fd: outFd, events: Int16(POLLIN), revents: 0)) }
        if errFd >= 0 { fds.append(pollfd(fd: errFd, events: Int16(POLLIN), revents: 0)) }
        if termination == nil { fds.append(pollfd(fd: pidfd, events: Int16(POLLIN), revents: 0)) }
        let ms = Int32(clamping: (timeoutNs + 999_999) / 1_000_000)
        let ready = poll(&fds, nfds_t(fds.count), fds.isEmpty ? 0 : ms)
        if fds.isEmpty && ms > 0 { usleep(UInt32(clamping: timeoutNs / 1000)) }
        guard ready > 0 else { return }
        for entry in fds where entry.revents != 0 {
            if entry.fd == outFd { readPipe(&outFd, into: &stdout, buffer) }
            else if entry.fd == errFd { readPipe(&errFd, into: &stderr, buffer) }
        }
    }

    /// Reads what is there; closes the pipe at its end.
    func readPipe(_ fd: inout Int32, into capture: inout CapturedOutput, _ buffer: UnsafeMutableRawBufferPointer) {
        let n = read(fd, buffer.baseAddress, buffer.count)
        if n > 0 {
            capture.append(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
        } else if n == 0 || (errno != EINTR && errno != EAGAIN) {
            close(fd); fd = -1
        }
    }

    /// The group is gone: takes what is left in the pipes without waiting
    /// (a process that left the group with `setsid` may still hold them).
    mutating func drainPipes(_ buffer: UnsafeMutableRawBufferPointer) {
        for _ in 0..<1024 {
            var fds: [pollfd] = []
            if outFd >= 0 { fds.append(pollfd(fd: outFd, events: Int16(POLLIN), revents: 0)) }
            if errFd >= 0 { fds.append(pollfd(fd: errFd, events: Int16(POLLIN), revents: 0)) }
            guard !fds.isEmpty, poll(&fds, nfds_t(fds.count), 0) > 0 else { break }
            for entry in fds where entry.revents != 0 {
                if entry.fd == outFd { readPipe(&outFd, into: &stdout, buffer) }
                else if entry.fd == errFd { readPipe(&errFd, into: &stderr, buffer) }
            }
        }
    }

    mutating func closeAll() {
        for fd in [outFd, errFd, pidfd] where fd >= 0 { close(fd) }
        outFd = -1; errFd = -1; pidfd = -1
    }
}

/// Calls `body` with a NULL-terminated C array of `strings`.
func withCStrings<R>(_ strings: [String], _ body: (UnsafePointer<UnsafeMutablePointer<CChar>?>) -> R) -> R {
    var pointers: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) }
    pointers.append(nil)
    defer { for p in pointers { free(p) } }
    return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
}
