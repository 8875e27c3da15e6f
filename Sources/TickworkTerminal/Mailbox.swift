#if canImport(Glibc)
import Glibc
#endif
import Tickwork
import TickworkDashboard

/// What other threads tell the main loop.
enum LoopMessage: Sendable {
    case frame(DashboardFrame)
    case signal(Int32)
    /// The shutdown report, with each abandoned run named ("faults.hung (#4)"),
    /// looked up off the main loop.
    case stopped(EngineStopped)
    /// The link to the engine failed (a remote engine went away): why.
    case linkFailed(String)
}

/// The only way into the main loop from another thread: `post` appends a
/// message and, when the box goes from empty to non-empty, writes one byte
/// to a pipe the loop polls (SwiftNIO's trick: one wake-up per batch).
/// Frames coalesce — only the newest matters — but their events are kept,
/// so a slow main loop loses no failure from the events pane.
///
/// Threads: `post` from any thread; `drain` and `wakeFD` from the main loop.
/// `lock` guards `pending` and `pendingFrame`.
final class Mailbox: @unchecked Sendable {
    private let lock = Lock()
    private var pending: [LoopMessage] = []
    private var pendingFrame: DashboardFrame?
    private let readFD: Int32
    private let writeFD: Int32

    init() {
        var fds: [Int32] = [0, 0]
        // pipe2 is not imported without _GNU_SOURCE: pipe, then O_NONBLOCK.
        precondition(pipe(&fds) == 0, "pipe() failed: \(errno)")
        for fd in fds { _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) }
        readFD = fds[0]; writeFD = fds[1]
    }

    deinit { close(readFD); close(writeFD) }

    /// The descriptor the main loop polls for "messages waiting".
    var wakeFD: Int32 { readFD }

    func post(_ message: LoopMessage) {
        lock.lock()
        let wasEmpty = pending.isEmpty && pendingFrame == nil
        if case .frame(var frame) = message {
            if let older = pendingFrame {
                frame.events = older.events + frame.events
                frame.missedEvents += older.missedEvents
            }
            pendingFrame = frame
        } else {
            pending.append(message)
        }
        lock.unlock()
        if wasEmpty {
            var byte: UInt8 = 1
            _ = write(writeFD, &byte, 1)   // a full pipe already means "wake up"
        }
    }

    /// Everything posted since the last drain, signals first, frame last.
    func drain() -> [LoopMessage] {
        var sink = [UInt8](repeating: 0, count: 64)
        while read(readFD, &sink, sink.count) > 0 {}
        lock.lock()
        var out = pending
        if let f = pendingFrame { out.append(.frame(f)) }
        pending.removeAll(keepingCapacity: true)
        pendingFrame = nil
        lock.unlock()
        return out
    }
}
