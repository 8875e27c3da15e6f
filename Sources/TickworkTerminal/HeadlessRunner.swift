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
    /// Runs for `durationS` seconds (or until a signal). `SignalRelay.blockForProcess()`
    /// must have run before the engine started its threads. At the end,
    /// `windDown` stops the demos (a pipeline drains its queue) before the
    /// engine shuts down, so the final figures are settled ones. Returns the exit status.
    public static func run(engine: Engine, durationS: Double, intervalS: Double, json: Bool,
                           windDown: () -> Void = {},
                           figures: @Sendable () -> [String: [(String, String)]]) -> Int32 {
        let start = monotonicNanoseconds()
        let end = start + Int64(durationS * 1e9)
        var next = start + Int64(intervalS * 1e9)
        var set = sigset_t()
        sigemptyset(&set)
        for s in [SIGINT, SIGTERM, SIGHUP] { sigaddset(&set, s) }
        var status: Int32 = 0
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
            if sig > 0 { status = sig == SIGINT ? 130 : 128 + sig; break }
            if monotonicNanoseconds() >= next && monotonicNanoseconds() < end {
                emit(HeadlessReport(engine.snapshot()))
                next += Int64(intervalS * 1e9)
            }
        }
        // The pool as it ran: after shutdown no thread is left to count.
        let pool = HeadlessReport(engine.snapshot()).workers.total
        windDown()
        let report = engine.shutdown(deadline: .seconds(5))
        var final = HeadlessReport(engine.snapshot(), final: true, demos: figures())
        final.workers = .init(total: pool, busy: 0)
        emit(final)
        if !report.isClean {
            let note = Array("tickwork headless: \(report.abandonedRunning.count) running jobs abandoned at shutdown\n".utf8)
            _ = note.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
        }
        return status
    }
}
