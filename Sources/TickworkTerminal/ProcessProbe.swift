#if canImport(Glibc)
import Glibc
#endif
import CTickworkLinux

/// What a long run watches for leaks: this process's resident memory,
/// threads, open descriptors, and children left as zombies. Read from
/// /proc on the caller's thread; no state.
public struct ProcessSample: Sendable, Equatable {
    public var atSeconds: Double
    public var rssBytes: Int
    /// The part of it backed by files (the program's code and libraries,
    /// paged in as code first runs); the rest is anonymous (heap, stacks).
    public var fileBytes: Int
    /// What malloc has handed out and not had back (-1: unknown): RSS
    /// growing while this stays flat is the allocator's, not a leak.
    public var heapInUseBytes: Int
    public var threads: Int
    public var fds: Int
    public var zombies: Int
}

public enum ProcessProbe {
    /// A sample taken now, `atSeconds` being the caller's clock.
    public static func sample(atSeconds: Double) -> ProcessSample {
        let (rss, file) = residentAndFileBytes()
        return ProcessSample(atSeconds: atSeconds, rssBytes: rss, fileBytes: file, heapInUseBytes: Int(ctw_heap_in_use()),
                      threads: entries(in: "/proc/self/task"),
                      fds: entries(in: "/proc/self/fd") - 1,   // less the one reading the directory
                      zombies: zombieChildren())
    }

    /// Resident set size from /proc/self/statm (pages × page size).
    public static func residentBytes() -> Int { residentAndFileBytes().rss }

    /// Resident set size, and its shared (file-backed) part, from /proc/self/statm.
    static func residentAndFileBytes() -> (rss: Int, file: Int) {
        guard let text = read("/proc/self/statm") else { return (0, 0) }
        let fields = text.split(separator: " ")
        guard fields.count > 2, let pages = Int(fields[1]), let shared = Int(fields[2]) else { return (0, 0) }
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        return (pages * page, shared * page)
    }

    /// Entries of a directory, less `.` and `..`.
    static func entries(in path: String) -> Int {
        guard let dir = opendir(path) else { return 0 }
        defer { closedir(dir) }
        var n = 0
        while let e = readdir(dir) {
            let name = withUnsafeBytes(of: e.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if name != "." && name != ".." { n += 1 }
        }
        return n
    }

    /// Children of this process in state Z (exited, never waited for).
    static func zombieChildren() -> Int {
        let me = getpid()
        guard let dir = opendir("/proc") else { return 0 }
        defer { closedir(dir) }
        var n = 0
        while let e = readdir(dir) {
            let name = withUnsafeBytes(of: e.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            guard let pid = Int32(name), pid != me, let stat = read("/proc/\(pid)/stat") else { continue }
            // "pid (comm) S ppid …": comm may hold spaces, so split after the last ')'.
            guard let close = stat.lastIndex(of: ")") else { continue }
            let rest = stat[stat.index(after: close)...].split(separator: " ")
            if rest.count > 1, rest[0] == "Z", Int32(rest[1]) == me { n += 1 }
        }
        return n
    }

    static func read(_ path: String) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n <= 0 { break }
            bytes += buffer[0..<n]
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// A least-squares line through (x, y) points: the trend of a figure over
/// a run, less sensitive to one noisy sample than end − start.
public enum Trend {
    /// The slope dy/dx, or nil with fewer than two distinct x.
    public static func slope(_ points: [(x: Double, y: Double)]) -> Double? {
        guard points.count >= 2 else { return nil }
        let n = Double(points.count)
        let mx = points.reduce(0) { $0 + $1.x } / n
        let my = points.reduce(0) { $0 + $1.y } / n
        let sxx = points.reduce(0) { $0 + ($1.x - mx) * ($1.x - mx) }
        guard sxx > 0 else { return nil }
        let sxy = points.reduce(0) { $0 + ($1.x - mx) * ($1.y - my) }
        return sxy / sxx
    }
}
