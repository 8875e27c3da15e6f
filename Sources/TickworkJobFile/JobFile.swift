import Foundation
import Tickwork
import TickworkProcess

/// A checked job file: what it asks the engine for, every value in range.
/// A plain value (built by `JobFileParser`, read by the loader that
/// submits it, by `tickwork check` and `tickwork next`).
public struct JobFile: Sendable, Equatable {
    public var path: String
    /// Worker threads; nil: the default.
    public var workers: Int?
    public var queues: [RunQueueConfig]
    public var jobs: [JobEntry]

    public init(path: String, workers: Int? = nil, queues: [RunQueueConfig] = [], jobs: [JobEntry]) {
        self.path = path; self.workers = workers; self.queues = queues; self.jobs = jobs
    }
}

/// One job of a file.
public struct JobEntry: Sendable, Equatable {
    public enum Command: Sendable, Equatable {
        /// Executed directly, no shell.
        case argv([String])
        /// `sh -c SCRIPT`, only when the file asks for a shell by name.
        case shell(String)
        /// No process: the run ends as it starts. Not a job-file key: what
        /// `tickwork bench-cluster` shares, to measure the scheduling alone.
        case noop
    }

    public enum When: Sendable, Equatable {
        /// Fixed rate on a grid (`every:`), the first run `startAfter` in.
        case every(Int64, startAfterNs: Int64?)
        /// The next run this long after the previous one ended (`fixed_delay:`).
        case fixedDelay(Int64, startAfterNs: Int64?)
        /// A cron expression (text as written) in a time zone.
        case cron(String, timeZone: String?)
        /// Once, this long after the file is loaded (`after:`).
        case after(Int64)
        /// Once, at a wall-clock instant (`at:`).
        case at(Date)
    }

    public var name: String
    public var command: Command
    public var when: When
    public var missed: MissedTickPolicy?
    public var timeoutNs: Int64?
    public var killAfterNs: Int64
    public var queue: String
    public var group: String
    public var priority: Int
    /// Tries again of a failed run within the same tick, after the back-off.
    public var retries: Int
    /// Failures in a row after which the job stops in `failed` until
    /// resumed (nil: a recurring job never gives up; a one-time job gives up
    /// when its retries are spent).
    public var giveUpAfter: Int? = nil
    public var backoffNs: Int64
    public var backoffMaxNs: Int64
    public var jitterNs: Int64
    public var env: [String: String]
    public var cwd: String?
    public var outputLimit: Int
    public var paused: Bool
    /// Pausing the job also stops (SIGSTOP) the run in progress; resuming continues it.
    public var stopOnPause: Bool = false
    /// In a cluster: a run cut off because its node went silent is run
    /// again by another node (nil: recorded as interrupted, not run again).
    /// Optional so entries stored before the key existed still read.
    public var retryInterrupted: Bool? = nil
    /// Where the job starts in the file (for messages about it later).
    public var line: Int

    /// The zone its times are shown in: its `timezone:`, else the local one.
    public var zone: TimeZone {
        if case .cron(_, let name?) = when, let tz = TimeZone(identifier: name) { return tz }
        return .current
    }

    /// The command line as a person reads it.
    public var commandText: String {
        switch command {
        case .shell(let script): return script
        case .argv(let argv): return argv.map(Self.quotedIfNeeded).joined(separator: " ")
        case .noop: return "(no-op)"
        }
    }

    static func quotedIfNeeded(_ word: String) -> String {
        let plain = !word.isEmpty && word.allSatisfy { $0.isLetter || $0.isNumber || "-_./=:,@%+".contains($0) }
        return plain ? word : "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}

extension JobEntry {
    /// A job with no process (`Command.noop`) every `periodNs`, its first
    /// tick `startAfterNs` in, with the defaults a job file gives.
    public static func noop(name: String, periodNs: Int64, startAfterNs: Int64) -> JobEntry {
        JobEntry(name: name, command: .noop, when: .every(periodNs, startAfterNs: startAfterNs), missed: nil, timeoutNs: nil,
                 killAfterNs: CommandSpec.defaultKillAfterNs, queue: RunQueueConfig.defaultName, group: "default",
                 priority: 0, retries: 0, backoffNs: Backoff.standard.initialNs, backoffMaxNs: Backoff.standard.capNs,
                 jitterNs: 0, env: [:], cwd: nil, outputLimit: CommandSpec.defaultOutputLimit, paused: false, line: 0)
    }
}

// A job travels between machines as its entry (the cluster store keeps it
// as JSON): every field is a plain value.
extension JobEntry: Codable {}
extension JobEntry.Command: Codable {}
extension JobEntry.When: Codable {}
