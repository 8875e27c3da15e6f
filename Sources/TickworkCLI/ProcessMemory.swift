#if canImport(Glibc)
import Glibc
#endif
import CTickworkLinux
import Synchronization
import Tickwork

/// How the `tickwork` program asks glibc's allocator to give memory back.
/// glibc keeps freed pages in up to eight arenas per core and returns them
/// only from the top of a heap, and each thread caches freed chunks of its
/// own (tcache); with dozens of threads the free space they hold grows for
/// many minutes though the live bytes stay flat (`tickwork soak`,
/// DECISIONS 39 and 45). So the program, not the engine library (an
/// embedding server makes its own choice), runs with one arena and no
/// per-thread caches, and trims the heap once a minute, as jemalloc decays
/// dirty pages. glibc reads those settings only as the process starts, so
/// the program starts itself again once with them set (`execv` keeps the
/// pid, the descriptors and the signal mask), then gives the environment
/// back as it was, so commands it runs inherit nothing of it.
/// A person who sets `MALLOC_ARENA_MAX` or a malloc `GLIBC_TUNABLES` keeps
/// theirs. `configure` runs on the main thread; the trimmer thread owns its
/// loop and publishes its last duration through an atomic.
enum ProcessMemory {
    static let tunables = "glibc.malloc.tcache_count=0:glibc.malloc.arena_max=1"
    /// Set while the program starts itself again: the person's own GLIBC_TUNABLES (or empty).
    static let markerVariable = "TICKWORK_MALLOC_TUNED"
    /// If starting again fails (no /proc), the arenas are capped this way instead.
    static let arenas: Int32 = 2
    static let trimEverySeconds = 60

    private static let lastTrimNs = Atomic<Int64>(0)

    /// Call first thing in `main`, before any thread starts.
    static func configure() {
        if let theirs = getenv(markerVariable).map({ String(cString: $0) }) {
            // Started again, tuned: the environment goes back to the person's.
            if theirs.isEmpty { unsetenv("GLIBC_TUNABLES") } else { setenv("GLIBC_TUNABLES", theirs, 1) }
            unsetenv(markerVariable)
        } else if limitsArenas(arenaMax: getenv("MALLOC_ARENA_MAX").map { String(cString: $0) },
                               tunables: getenv("GLIBC_TUNABLES").map { String(cString: $0) }) {
            startAgainTuned()
            // Still here: `execv` failed. Cap the arenas at least.
            _ = ctw_limit_malloc_arenas(arenas)
        }
        startThread(name: "tw-heap-trim") { trimForever() }
    }

    /// Replaces this process with the same program and arguments, the
    /// malloc tunables added; returns only if that fails (with the
    /// environment as it was).
    private static func startAgainTuned() {
        let theirs = getenv("GLIBC_TUNABLES").map { String(cString: $0) }
        setenv(markerVariable, theirs ?? "", 1)
        setenv("GLIBC_TUNABLES", (theirs ?? "").isEmpty ? tunables : theirs! + ":" + tunables, 1)
        execv("/proc/self/exe", CommandLine.unsafeArgv)
        if let theirs { setenv("GLIBC_TUNABLES", theirs, 1) } else { unsetenv("GLIBC_TUNABLES") }
        unsetenv(markerVariable)
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
