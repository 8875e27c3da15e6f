import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// How much memory this process may still take, to refuse up front a job
/// count that cannot fit (a bench of 50 M jobs died out of memory after
/// 35 s instead). Linux only; elsewhere, unknown.
public enum SystemMemory {
    /// What a job costs the engine at scale: 226 MB RSS for a million bench
    /// jobs (record, table slot, wheel entry), rounded up. A job whose body
    /// captures state costs more (the scale demo's: `ScaleDemo.bytesPerJob`).
    public static let bytesPerJob = 240
    /// The process before any job: runtime, pool stacks touched, buffers.
    public static let baseBytes = 64 << 20

    /// The smaller of the kernel's MemAvailable and this cgroup's limit
    /// (v2 `memory.max`, v1 `memory.limit_in_bytes`) less its usage; nil if
    /// neither can be read.
    public static func availableBytes() -> Int? {
        var best: Int?
        func take(_ v: Int?) { if let v, v > 0 { best = Swift.min(best ?? v, v) } }
        take(meminfo("MemAvailable:").map { $0 * 1024 })
        if let limit = number(at: "/sys/fs/cgroup/memory.max"), let used = number(at: "/sys/fs/cgroup/memory.current") {
            take(limit - used)
        }
        if let limit = number(at: "/sys/fs/cgroup/memory/memory.limit_in_bytes"), limit < 1 << 60,
           let used = number(at: "/sys/fs/cgroup/memory/memory.usage_in_bytes") {
            take(limit - used)
        }
        return best
    }

    /// A message if `jobs` jobs would not fit, else nil.
    public static func refusal(jobs: Int, option: String, bytesPerJob: Int = bytesPerJob,
                               available: Int? = availableBytes()) -> String? {
        guard let available else { return nil }
        let (perJobs, o1) = jobs.multipliedReportingOverflow(by: bytesPerJob)
        let needed = o1 ? Int.max : perJobs &+ baseBytes
        guard needed > available * 9 / 10 else { return nil }
        return "\(option) \(jobs) needs about \(gigabytes(needed)) of memory and \(gigabytes(available)) is available "
            + "(about \(Swift.max(0, (available * 9 / 10 - baseBytes) / bytesPerJob)) jobs fit)"
    }

    static func gigabytes(_ bytes: Int) -> String {
        let g = Double(bytes) / Double(1 << 30)
        return g >= 100 ? "\(Int(g)) GB" : "\((g * 10).rounded() / 10) GB"
    }

    /// A whole number read from a one-line file (`max` and unreadable: nil).
    static func number(at path: String) -> Int? {
        guard let text = readSmallFile(path) else { return nil }
        return Int(text.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// The kB figure of a /proc/meminfo line.
    static func meminfo(_ key: String) -> Int? {
        guard let text = readSmallFile("/proc/meminfo") else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix(key) {
            return Int(line.dropFirst(key.count).split(separator: " ").first ?? "")
        }
        return nil
    }

    static func readSmallFile(_ path: String) -> String? {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes = [UInt8](repeating: 0, count: 8192)
        let n = read(fd, &bytes, bytes.count)
        guard n > 0 else { return nil }
        return String(decoding: bytes[..<n], as: UTF8.self)
    }
}
