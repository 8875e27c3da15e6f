#if canImport(Glibc)
import Glibc
#endif
import CTickworkLinux
import Foundation

/// How the `tickwork` program asks glibc's allocator to give memory back.
/// glibc keeps freed pages in up to eight arenas per core and returns them
/// only from the top of a heap; with dozens of threads the free space
/// spread over their arenas grows for hours though the bytes in use stay
/// flat (`tickwork soak`, DECISIONS 39). So the program, not the engine
/// library (an embedding server makes its own choice), caps the arenas at
/// two and trims every heap once a minute, as jemalloc decays dirty pages.
/// A person who sets `MALLOC_ARENA_MAX` or a malloc `GLIBC_TUNABLES` keeps
/// theirs. Owned by `main` (configure) and the trimmer thread (its loop).
enum ProcessMemory {
    static let arenas: Int32 = 2
    static let trimEveryNs: Int64 = 60_000_000_000

    /// Guards `lastTrimNs`.
    private static let lock = NSLock()
    nonisolated(unsafe) private static var lastTrimNs: Int64 = 0

    /// Call first thing in `main`, before any thread starts.
    static func configure(environment: [String: String] = ProcessInfo.processInfo.environment) {
        if environment["MALLOC_ARENA_MAX"] == nil && !(environment["GLIBC_TUNABLES"] ?? "").contains("malloc.") {
            _ = ctw_limit_malloc_arenas(arenas)
        }
        let thread = Thread { trimForever() }
        thread.name = "tw-heap-trim"
        thread.start()
    }

    /// How long the last trim took, in ns (0 before the first), for the soak.
    static var lastTrimDurationNs: Int64 { lock.withLock { lastTrimNs } }

    private static func trimForever() {
        // Started before the program blocks its signals for `sigwait`: a
        // process signal must never land here.
        var all = sigset_t()
        sigfillset(&all)
        pthread_sigmask(SIG_BLOCK, &all, nil)
        _ = ctw_set_thread_name("tw-heap-trim")
        while true {
            var left = timespec(tv_sec: Int(trimEveryNs / 1_000_000_000), tv_nsec: 0)
            var rest = timespec()
            while nanosleep(&left, &rest) != 0 && errno == EINTR { left = rest }
            let start = DispatchTime.now().uptimeNanoseconds
            _ = ctw_trim_heap()
            let took = Int64(DispatchTime.now().uptimeNanoseconds - start)
            lock.withLock { lastTrimNs = took }
        }
    }
}
