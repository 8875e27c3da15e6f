#if canImport(Glibc)
import Glibc
#endif
import Tickwork

/// Turns process signals into mailbox messages. `blockForProcess()` must run
/// before any thread exists (threads inherit the mask); afterwards only the
/// relay thread receives INT, TERM, HUP, QUIT and TSTP, through `sigwait`,
/// so no handler ever runs on an engine thread and the quit path is the
/// ordinary one (endwin on the main thread). SIGWINCH is unblocked on the
/// main thread only, where ncurses' own handler turns it into KEY_RESIZE.
public enum SignalRelay {
    static let relayed: [Int32] = [SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGTSTP]

    /// Blocks the relayed signals and SIGWINCH in the calling (main) thread,
    /// and so in every thread started after it.
    public static func blockForProcess() {
        var set = sigset_t()
        sigemptyset(&set)
        for s in relayed + [SIGWINCH] { sigaddset(&set, s) }
        pthread_sigmask(SIG_BLOCK, &set, nil)
    }

    /// Lets SIGWINCH reach the calling thread (the main loop's).
    static func unblockResizeHere() {
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGWINCH)
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
    }

    /// Starts the thread that waits for the relayed signals.
    static func start(posting mailbox: Mailbox) {
        startThread(name: "tw-signals") {
            var set = sigset_t()
            sigemptyset(&set)
            for s in relayed { sigaddset(&set, s) }
            while true {
                var sig: Int32 = 0
                if sigwait(&set, &sig) == 0 { mailbox.post(.signal(sig)) }
            }
        }
    }
}
