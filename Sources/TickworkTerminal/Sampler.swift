import Tickwork
import TickworkDashboard

/// The dashboard's side of its link to an engine: one thread that, at the
/// refresh rate or at once when poked, carries the UI's commands over the
/// link and samples a frame (snapshot, the visible window of jobs, the open
/// detail, new events, what became of the commands) into the mailbox. The
/// main loop never calls the link, so it never waits on an engine lock or
/// a socket, and a slow query (a sorted window over a million jobs) delays
/// only the next frame, never a key press.
///
/// Threads: the public methods from any thread (the main loop); the loop on
/// its own thread, the only caller of the link. `lock` guards every `var`
/// below it.
public final class Sampler: @unchecked Sendable {
    private let link: any EngineLink
    private let mailbox: Mailbox
    private let lock = Lock()
    private let wake = Condition()
    private var request: ViewRequest
    private var commands: [EngineCommand] = []
    private var intervalNs: Int64
    private var poked = false
    private var stopping = false
    private var shutdownStarted = false

    init(link: any EngineLink, mailbox: Mailbox, request: ViewRequest, hz: Double) {
        self.link = link; self.mailbox = mailbox; self.request = request
        intervalNs = Self.interval(hz)
    }

    /// New events a frame carries at most; beyond that the events pane
    /// counts them as missed. (At a million jobs the engine records some
    /// 100,000 a second: 2,000 a frame made a remote frame 390 KB.)
    static let eventsPerFrame = 200

    private static func interval(_ hz: Double) -> Int64 { Int64(1e9 / min(max(hz, 0.2), 60)) }

    func start() {
        startThread(name: "tw-sampler") { [self] in loop() }
    }

    /// The view changed: sample for this request now.
    func update(_ r: ViewRequest) {
        lock.withLock { request = r; poked = true; wake.signal() }
    }

    /// Engine commands to carry out, in order, before the next sample.
    func send(_ c: [EngineCommand]) {
        guard !c.isEmpty else { return }
        lock.withLock { commands += c; poked = true; wake.signal() }
    }

    func setRefresh(hz: Double) { lock.withLock { intervalNs = Self.interval(hz); wake.signal() } }

    /// Starts the engine's graceful shutdown on a thread of its own; sampling
    /// goes on meanwhile (the screen shows what is still running) and the
    /// report arrives as `.stopped`.
    func beginShutdown(deadline: Duration) {
        let first: Bool = lock.withLock { let f = !shutdownStarted; shutdownStarted = true; return f }
        guard first else { return }
        startThread(name: "tw-shutdown") { [link, mailbox] in
            do { mailbox.post(.stopped(try link.shutdown(deadline: deadline))) } catch { mailbox.post(.linkFailed("\(error)")) }
        }
    }

    func stop() { lock.withLock { stopping = true; wake.signal() } }

    private func loop() {
        var lastSeq: UInt64 = 0
        // This dashboard's own previous sample: its rates are over its own frames.
        var rates = SnapshotRates()
        var nextAt = monotonicNanoseconds()
        while true {
            lock.lock()
            while !poked && !stopping && monotonicNanoseconds() < nextAt {
                wake.wait(lock, untilMonotonicNs: nextAt)
            }
            if stopping { lock.unlock(); return }
            let r = request, todo = commands
            commands.removeAll()
            poked = false
            nextAt = monotonicNanoseconds() + intervalNs
            lock.unlock()

            do {
                let outcomes = try todo.map(link.perform)
                let t0 = monotonicNanoseconds()
                let s = try link.sample(SampleRequest(query: r.query, detail: r.detail, eventsAfter: lastSeq,
                                                      eventLimit: Self.eventsPerFrame))
                lastSeq = s.events.lastSeq
                let frame = DashboardFrame(snapshot: rates.next(s.snapshot), page: s.page, query: r.query, detail: s.detail,
                                           detailRequested: r.detail, events: s.events.events, missedEvents: s.events.missed,
                                           panels: s.panels, sampleNs: monotonicNanoseconds() - t0, outcomes: outcomes, runs: s.runs)
                mailbox.post(.frame(frame))
            } catch {
                mailbox.post(.linkFailed("\(error)"))
                return
            }
        }
    }
}
