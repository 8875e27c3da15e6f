import Foundation
import Glibc

/// Reads /proc: which processes are in a group, alive or zombie. Tests and
/// tools ask the kernel itself, not the runner, whether a run left anything.
public enum ProcessTable {
    public struct Entry: Sendable, Equatable {
        public let pid: Int32
        /// R, S, D, Z (zombie), T…
        public let state: Character
        public let ppid: Int32
        public let pgrp: Int32
    }

    public static func all() -> [Entry] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return names.compactMap { name in
            guard let pid = Int32(name), let stat = try? String(contentsOfFile: "/proc/\(name)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { return nil }
            // After "pid (comm) ": state ppid pgrp …; comm may hold spaces.
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            guard fields.count > 3, let state = fields[0].first, let ppid = Int32(fields[1]), let pgrp = Int32(fields[2]) else { return nil }
            return Entry(pid: pid, state: state, ppid: ppid, pgrp: pgrp)
        }
    }

    /// Waits until `check` holds of the process table (processes give no
    /// signal when they start, so this looks every 5 ms), at most `within` s.
    public static func wait(within seconds: Double, _ check: () -> Bool) -> Bool {
        let end = Date().addingTimeInterval(seconds)
        while !check() {
            if Date() >= end { return false }
            usleep(5_000)
        }
        return true
    }

    /// Every process (zombies included) whose group is `pgid`.
    public static func group(_ pgid: Int32) -> [Entry] { all().filter { $0.pgrp == pgid } }
}
