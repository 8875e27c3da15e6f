import CTickworkSpawn
import Glibc
import Tickwork

/// How a run's process ended.
public enum Termination: Sendable, Equatable {
    case exited(Int32)
    case signaled(Int32)
}

/// Why Tickwork stopped a run before it ended by itself.
public enum StopReason: Sendable, Equatable {
    /// The run outlived its timeout.
    case timeout(Int64)
    /// Cancelled, or the engine shut down.
    case cancelled
}

/// What one run of a command did.
public struct CommandResult: Sendable, Equatable {
    public var pid: Int32
    public var termination: Termination
    /// Set when Tickwork signalled the run's group (a timeout or a cancel).
    public var stopped: StopReason?
    /// True when the group had to be sent SIGKILL (TERM was not enough).
    public var killed: Bool
    /// Processes of the group still running after the leader ended, which
    /// Tickwork then stopped (a background child left behind).
    public var leftovers: Bool
    public var stdout: CapturedOutput
    public var stderr: CapturedOutput
    public var durationNs: Int64

    /// A clean exit with status 0.
    public var succeeded: Bool { termination == .exited(0) && stopped == nil }

    /// One line for a failed run: "exit 3: boom", "killed by SIGKILL after
    /// timeout 1s", "killed by SIGSEGV"; nil when it succeeded.
    public var failureMessage: String? {
        if succeeded { return nil }
        var text: String
        switch termination {
        case .exited(let code): text = "exit \(code)"
        case .signaled(let sig): text = "killed by \(signalName(sig))"
        }
        switch stopped {
        case .timeout(let ns): text += " after timeout \(formatNanoseconds(ns))"
        case .cancelled: text += " after cancel"
        case nil: break
        }
        if let line = (stderr.lastLine ?? stdout.lastLine), case .exited = termination, stopped == nil {
            text += ": " + String(line.prefix(200))
        }
        return text
    }
}

/// `SIGKILL` for 9; `signal 77` for one without a name.
public func signalName(_ sig: Int32) -> String {
    if let name = ctw_signal_name(sig) { return "SIG" + String(cString: name) }
    return "signal \(sig)"
}

/// Why a command could not be started.
public enum CommandError: Error, Equatable, CustomStringConvertible {
    case notFound(name: String, path: String)
    case notExecutable(path: String)
    case noDirectory(String)
    case emptyCommand
    case spawnFailed(program: String, errno: Int32)

    public var description: String {
        switch self {
        case .notFound(let name, let path): return "cannot run \"\(name)\": not found on PATH (\(path))"
        case .notExecutable(let path): return "cannot run \"\(path)\": not an executable file"
        case .noDirectory(let dir): return "cannot start in \(dir): no such directory"
        case .emptyCommand: return "the command is empty"
        case .spawnFailed(let program, let errno): return "cannot run \"\(program)\": \(errnoText(errno))"
        }
    }
}

func errnoText(_ code: Int32) -> String {
    String(cString: strerror(code))
}
