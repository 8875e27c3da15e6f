#if canImport(Glibc)
import Glibc
#endif
import CTickworkLinux
import Synchronization
import Tickwork

/// How the `tickwork` program asks glibc's allocator to give memory back.
/// glibc keeps freed pages in up to eight arenas per core and returns them
/// only from the top of a heap; with dozens of threads the free space
/// spread over their arenas grows for hours though the bytes in use stay
/// flat (`tickwork soak`, DECISIONS 39). So the program, not the engine
/// library (an embedding server makes its own choice), caps the arenas at
/// two and trims every heap once a minute, as jemalloc decays dirty pages.
/// A person who sets `MALLOC_ARENA_MAX` or a malloc `GLIBC_TUNABLES` keeps
/// theirs. `configure` runs on the main thread; the trimmer thread owns its
/// loop and publishes its last duration through an atomic.
enum ProcessMemory {
    static let arenas: Int32 = 2
    static let trimEverySeconds = 60

    private static let lastTrimNs = Atomic<Int64>(0)

    /// Call first thing in `main`, before any thread starts.
    static func configure() {
        if limitsArenas(arenaMax: getenv("MALLOC_ARENA_MAX").map { String(cString: $0) },
                        tunables: getenv("GLIBC_TUNABLES").map { String(cString: $0) }) {
            _ = ctw_limit_malloc_arenas(arenas)
        }
        startThread(name: "tw-heap-trim") { trimForever() }
    }

    /// Whether to cap the arenas: not when the person chose a malloc setting.
    static func limitsArenas(arenaMax: String?, tunables: String?) -> Bool {
        arenaMax == nil && !(tunables ?? "").contains("malloc.")
    }

    /// How long the last trim took, in ns (0 before the first), for the soak.
    static var lastTrimDurationNs: Int64 { lastTrimNs.load(ordering: .relaxed) }

    private static func trimForever() {
        // Started before the program blocks its signals for `sigwait`: a
        // process signal must never land here.
        var all = sigset_t()
        sigfillset(&all)
        pthread_sigmask(SIG_BLOCK, &all, nil)
        _ = ctw_set_thread_name("tw-heap-trim")
        while true {
            var left = timespec(tv_sec: trimEverySeconds, tv_nsec: 0)
            var rest = timespec()
            while nanosleep(&left, &rest) != 0 && errno == EINTR { left = rest }
            let start = monotonicNanoseconds()
            _ = ctw_trim_heap()
            lastTrimNs.store(monotonicNanoseconds() - start, ordering: .relaxed)
        }
    }
}
