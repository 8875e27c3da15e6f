#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import Foundation
import Logging
import Tickwork
import TickworkDashboard
import TickworkLink
import TickworkMetrics
import TickworkWire

/// `tickwork bench-attach`: what one attached dashboard costs a server.
/// Serves the workload on a socket in a private folder, attaches one
/// client that asks what a dashboard of `--size` asks (its rows of tasks
/// and the new events) at `--hz`, then presses keys (pause, resume) and times each until a
/// sample shows its effect; then times a scrape of `/metrics`. Prints one
/// JSON line: the server's CPU on that client (its thread's CPU time) as a
/// share of one core, the frame sizes, the key-to-effect latency and the
/// scrape's time and size.
struct AttachBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-attach",
        abstract: "Measure what an attached dashboard costs a server: CPU, frame size, key-to-effect latency (one JSON line).")

    @OptionGroup var workload: WorkloadOptions
    @Option(parsing: .unconditional, help: "Samples per second, as a dashboard's refresh (1…60).")
    var hz = 10.0
    @Option(parsing: .unconditional, help: "Seconds of sampling measured (1…3600).")
    var seconds = 20.0
    @Option(parsing: .unconditional, help: "Key presses timed (1…10000).")
    var keys = 200
    @Option(help: "The attached dashboard's terminal, WIDTHxHEIGHT: it asks for the rows that size shows.")
    var size = "120x40"

    /// The terminal size `--size` names.
    var terminal: (width: Int, height: Int)? {
        let parts = size.lowercased().split(separator: "x").compactMap { Int($0) }
        guard parts.count == 2, (20...1000).contains(parts[0]), (10...1000).contains(parts[1]) else { return nil }
        return (parts[0], parts[1])
    }

    func validate() throws {
        guard (1...60).contains(hz) else { throw ValidationError("--hz must be 1…60 (got \(hz))") }
        guard (1...3600).contains(seconds) else { throw ValidationError("--seconds must be 1…3600 (got \(seconds))") }
        guard (1...10_000).contains(keys) else { throw ValidationError("--keys must be 1…10000 (got \(keys))") }
        guard terminal != nil else { throw ValidationError("--size must be WIDTHxHEIGHT, 20…1000 by 10…1000 (got \(size))") }
    }

    func run() throws {
        var logger = Logger(label: "tickwork")
        logger.logLevel = .warning
        let started = try workload.start(logger: logger)
        let engine = started.host.engine
        let folder = try benchFolder("bench-attach")
        defer { rmdir(folder) }
        let server = EngineServer(link: LocalEngineLink(engine: engine, demos: DemoControls(host: started.host, logger: logger)),
                                  path: folder + "/bench.sock", name: "bench-attach")
        try server.start()
        defer { server.stop() }
        let client = try RemoteEngineLink(path: server.path, client: "bench-attach")
        defer { client.close() }

        var lastSeq: UInt64 = 0
        // The query a dashboard of that size makes (its rows, finished tasks hidden).
        let (width, height) = terminal!
        let view = DashboardState(width: width, height: height).tableQuery
        func frame() throws -> EngineSample {
            // The window on view and the new events (at most 200, as its sampler asks).
            let s = try client.sample(SampleRequest(query: view, eventsAfter: lastSeq, eventLimit: 200))
            lastSeq = s.events.lastSeq
            return s
        }
        // Warm-up: a second of frames, not measured.
        let interval = Int64(1e9 / hz)
        for _ in 0..<Int(hz) { _ = try frame(); usleep(useconds_t(interval / 1000)) }
        let load0 = server.clientLoads.first ?? ClientLoad()
        let t0 = monotonicNanoseconds()
        var next = t0
        var frames = 0
        while monotonicNanoseconds() - t0 < Int64(seconds * 1e9) {
            _ = try frame()
            frames += 1
            next += interval
            let wait = next - monotonicNanoseconds()
            if wait > 0 { usleep(useconds_t(wait / 1000)) }
        }
        let wall = monotonicNanoseconds() - t0
        let load1 = server.clientLoads.first ?? ClientLoad()

        // Keys: pause, then resume, the first job; each timed until a frame shows it.
        guard let target = try frame().page.jobs.first(where: { $0.state == .scheduled }) else {
            throw CleanFailure("tickwork bench-attach: no scheduled job to press keys on")
        }
        var latencies: [Int64] = []
        for k in 0..<keys {
            let pause = k % 2 == 0
            let start = monotonicNanoseconds()
            _ = try client.perform(pause ? .pause(target.id) : .resume(target.id))
            var shown = false
            while !shown {
                let page = try client.sample(SampleRequest(query: JobQuery(pinned: [target.id]), eventLimit: 0)).page
                shown = page.jobs.first.map { pause ? $0.state == .paused || $0.pausePending : $0.state != .paused } ?? true
            }
            latencies.append(monotonicNanoseconds() - start)
        }
        latencies.sort()
        // A scrape of /metrics at this workload: the sample and the text, 20 times.
        let metrics = try MetricsServer(link: LocalEngineLink(engine: engine), address: "127.0.0.1:0")
        var scrapes: [Int64] = []
        var scrapeBytes = 0
        for _ in 0..<20 {
            let s0 = monotonicNanoseconds()
            scrapeBytes = try metrics.scrape().utf8.count
            scrapes.append(monotonicNanoseconds() - s0)
        }
        scrapes.sort()
        func pct(_ p: Double) -> Double { Double(latencies[min(latencies.count - 1, Int(Double(latencies.count) * p))]) / 1e6 }
        let replies = max(1, load1.replies - load0.replies)
        let snap = engine.snapshot()
        let line: [String: Any] = [
            "jobs": snap.totalJobs, "hz": hz, "size": size, "rows": view.limit, "seconds": Double(wall) / 1e9, "frames": frames,
            "server_cpu_percent_of_core": Double(load1.cpuNs - load0.cpuNs) / Double(wall) * 100,
            "frame_bytes_mean": (load1.bytesSent - load0.bytesSent) / replies,
            "frame_bytes_max": load1.largestReplyBytes,
            "key_ms": ["p50": pct(0.5), "p99": pct(0.99), "max": Double(latencies.last ?? 0) / 1e6, "presses": keys],
            "scrape_ms": ["p50": Double(scrapes[10]) / 1e6, "max": Double(scrapes.last!) / 1e6, "bytes": scrapeBytes],
        ]
        let data = try JSONSerialization.data(withJSONObject: line, options: [.sortedKeys])
        print(String(decoding: data, as: UTF8.self))
        _ = started.host.stopAll(within: .seconds(3))
        _ = engine.shutdown(deadline: started.shutdownDeadline)
    }
}
