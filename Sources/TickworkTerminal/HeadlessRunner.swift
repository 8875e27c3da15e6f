#if canImport(Glibc)
import Glibc
#endif
import Tickwork
import TickworkDashboard

/// `tickwork headless`: the same engine with no terminal. A line per
/// interval on stdout and a final summary; SIGINT, SIGTERM and SIGHUP end it
/// early, still with the summary. The main thread waits for the next report
/// or a signal with `sigtimedwait`, so no handler and no extra thread.
public enum HeadlessRunner {
    /// The exit statuses (the README lists them).
    public enum Status {
        /// Every run succeeded and shutdown abandoned nothing.
        public static let clean: Int32 = 0
        /// Some runs failed (threw or timed out).
        public static let runsFailed: Int32 = 1
        /// Shutdown left running jobs behind (their threads could not be stopped).
        public static let abandoned: Int32 = 3
    }

    /// Runs for `duration`, or with nil until SIGINT, SIGTERM or
    /// SIGHUP. `SignalRelay.blockForProcess()` must have run before the
    /// engine started its threads. At the end, `windDown` stops the demos (a
    /// pipeline drains its queue) before the engine shuts down, so the final
    /// figures are settled ones. Returns the exit status (`Status`): how the
    /// runs went, whether the time ran out or a signal ended it.
    public static func run(engine: Engine, duration: Duration?, interval: Duration, json: Bool,
                           shutdownDeadline: Duration = .seconds(5), onHangup: (() -> String)? = nil,
                           windDown: () -> Void = {},
                           figures: @Sendable () -> [String: DemoFigures]) -> Int32 {
        let start = monotonicNanoseconds()
        let end = duration.map { start + $0.nanoseconds } ?? Int64.max
        let step = Swift.max(1, interval.nanoseconds)
        var next = start + step
        var set = sigset_t()
        sigemptyset(&set)
        for s in [SIGINT, SIGTERM, SIGHUP] { sigaddset(&set, s) }
        func emit(_ report: HeadlessReport) {
            print(json ? report.json : report.plain)
            fflush(nil)   // a line per interval, even into a pipe
        }
        while true {
            let now = monotonicNanoseconds()
            if now >= end { break }
            let wake = min(next, end)
            var timeout = timespec(tv_sec: Int((wake - now) / 1_000_000_000), tv_nsec: Int((wake - now) % 1_000_000_000))
            let sig = sigtimedwait(&set, nil, &timeout)
            // SIGHUP reloads the job file when there is one (a daemon's habit).
            if sig == SIGHUP, let onHangup {
                let note = Array((onHangup() + "\n").utf8)
                _ = note.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
                continue
            }
            if sig > 0 { break }
            if monotonicNanoseconds() >= next && monotonicNanoseconds() < end {
                emit(HeadlessReport(engine.snapshot()))
                next += step
            }
        }
        // The pool and the jobs as they ran: after shutdown every job is
        // cancelled and no thread is left to count.
        let before = engine.snapshot()
        let pool = HeadlessReport(before).workers.total
        windDown()
        let report = engine.shutdown(deadline: shutdownDeadline)
        let after = engine.snapshot()
        var final = HeadlessReport(after, final: true, demos: figures(), statesFrom: before)
        final.workers = .init(total: pool, busy: 0)
        emit(final)
        if !report.isClean {
            let note = Array("tickwork headless: shutdown abandoned \(report.abandonedRunning.count) running jobs and \(report.abandonedThreads) threads still busy after \(formatNanoseconds(shutdownDeadline.nanoseconds))\n".utf8)
            _ = note.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
            return Status.abandoned
        }
        return after.errors > 0 ? Status.runsFailed : Status.clean
    }
}
