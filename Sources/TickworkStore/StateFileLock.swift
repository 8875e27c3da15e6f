#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// `<state file>.lock`, held with `flock` while a server uses the state
/// file: a second server on the same file is refused by name (SQLite's own
/// locks would only make it wait, then fail a write). The lock is the
/// kernel's, so a server killed with SIGKILL leaves nothing to clean.
/// A separate file: closing any descriptor of the database itself would
/// drop SQLite's POSIX locks on it.
///
/// Threads: made and released by the store's owner.
final class StateFileLock {
    private var fd: Int32

    init(path: String) throws(StoreError) {
        let lockPath = path + ".lock"
        fd = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw StoreError("cannot open \(lockPath): \(String(cString: strerror(errno)))")
        }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let owner = Self.readPid(fd)
            close(fd)
            fd = -1
            throw StoreError("\(path) is in use by another tickwork\(owner.map { " (pid \($0))" } ?? ""); give each server its own --state")
        }
        let text = Array("\(getpid())\n".utf8)
        _ = ftruncate(fd, 0)
        _ = text.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
    }

    deinit { release() }

    func release() {
        guard fd >= 0 else { return }
        close(fd)   // drops the flock
        fd = -1
    }

    private static func readPid(_ fd: Int32) -> Int32? {
        var buffer = [UInt8](repeating: 0, count: 16)
        let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, 15, 0) }
        guard n > 0 else { return nil }
        return Int32(String(decoding: buffer[0..<n], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
    }
}
