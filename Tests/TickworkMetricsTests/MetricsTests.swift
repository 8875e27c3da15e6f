#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Testing
import Tickwork
import TickworkLink
import TickworkMetrics

/// A fixed workload on a manual clock: the same text every time.
func fixedEngine() throws -> (Engine, ManualClock) {
    let clock = ManualClock()
    let engine = try Engine(EngineConfiguration(workers: 2, timerResolutionShift: 10,
                                                queues: [try RunQueueConfig(name: "io", capacity: 8)], clock: clock))
    struct Boom: Error {}
    try engine.submit(JobSpec(name: "health \"api\"", group: "checks", schedule: .every(.seconds(1))) { _ in })
    try engine.submit(JobSpec(name: "flaky", group: "checks", queue: "io", schedule: .every(.seconds(2))) { ctx in
        if ctx.run % 2 == 0 { throw Boom() }
    })
    let paused = try engine.submit(JobSpec(name: "report\nweekly", schedule: .every(.seconds(60))) { _ in })
    engine.pause(paused)
    clock.advance(by: .milliseconds(1)); engine.settle()
    for _ in 0..<4 { clock.advance(by: .seconds(1)); engine.settle() }
    return (engine, clock)
}

/// A Python with `prometheus_client`, if this machine has one. CI must.
let pythonWithPrometheusClient: String? = ["python3", "/usr/bin/python3"].first { python in
    ((try? run([python, "-c", "import prometheus_client"]))?.0 ?? 1) == 0
}
let promtool: String? = ((try? run(["promtool", "--version"]))?.0 ?? 1) == 0 ? "promtool" : nil
let inCI = ProcessInfo.processInfo.environment["CI"] == "true"

@Suite("Metrics in the Prometheus text format")
struct MetricsTests {
    static let golden = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden/metrics.prom")

    func text(jobCap: Int = 1000) throws -> String {
        let (engine, _) = try fixedEngine()
        defer { engine.shutdown() }
        let server = try MetricsServer(link: LocalEngineLink(engine: engine), address: "127.0.0.1:0", jobCap: jobCap)
        return try server.scrape()
    }

    /// The text without the lines that depend on real time (the uptime on a
    /// manual clock is fixed; thread CPU is not in it).
    @Test("the text matches the golden file (RECORD_GOLDEN=1 re-records it)")
    func golden() throws {
        let got = try text()
        if ProcessInfo.processInfo.environment["RECORD_GOLDEN"] == "1" {
            try got.write(to: Self.golden, atomically: true, encoding: .utf8)
            return
        }
        let want = try String(contentsOf: Self.golden, encoding: .utf8)
        let g = got.split(separator: "\n", omittingEmptySubsequences: false), w = want.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(g.count == w.count, "line count \(g.count), golden \(w.count)")
        for (i, (a, b)) in zip(g, w).enumerated() where a != b {
            Issue.record("line \(i + 1) differs:\n got: \(a)\nwant: \(b)")
            break
        }
    }

    @Test("the figures are the engine's: runs by outcome, states, queues, escaped labels, the cap")
    func figures() throws {
        let t = try text()
        #expect(t.contains(#"tickwork_job_runs_total{job="flaky",group="checks",id="2",outcome="failed"} 1"#))
        #expect(t.contains(#"tickwork_job_runs_total{job="flaky",group="checks",id="2",outcome="ok"} 2"#))
        #expect(t.contains(#"tickwork_job_runs_total{job="health \"api\"",group="checks",id="1",outcome="ok"} 5"#))
        #expect(t.contains(#"job="report\nweekly""#), "a newline in a label is escaped")
        #expect(t.contains(#"tickwork_jobs{state="paused"} 1"#) && t.contains(#"tickwork_jobs{state="scheduled"} 2"#))
        #expect(t.contains(#"tickwork_queue_capacity{queue="io"} 8"#))
        #expect(t.contains(#"tickwork_run_lateness_seconds_bucket{le="+Inf"} 8"#))
        #expect(t.contains("tickwork_job_series_omitted 0"))
        let capped = try text(jobCap: 1)
        #expect(capped.contains("tickwork_job_series_omitted 2") && !capped.contains(#"job="flaky""#))
        // Every family once, every sample under a declared family.
        let families = t.split(separator: "\n").filter { $0.hasPrefix("# TYPE ") }.map { $0.split(separator: " ")[2] }
        #expect(Set(families).count == families.count)
    }

    @Test(.enabled(if: pythonWithPrometheusClient != nil || inCI, "Python's prometheus_client is not installed (scripts/setup.sh installs it)"))
    func parsesWithPrometheusClient() throws {
        let python = try #require(pythonWithPrometheusClient, "CI must have prometheus_client")
        let file = NSTemporaryDirectory() + "tickwork-metrics-\(getpid()).prom"
        try text().write(toFile: file, atomically: true, encoding: .utf8)
        defer { unlink(file) }
        let script = """
            import sys
            from prometheus_client.parser import text_string_to_metric_families
            fams = list(text_string_to_metric_families(open(sys.argv[1]).read()))
            samples = sum(len(f.samples) for f in fams)
            runs = [s for f in fams for s in f.samples if s.name == "tickwork_job_runs_total" and s.labels["job"] == 'health "api"']
            print(len(fams), samples, runs[0].value)
            """
        let (status, out) = try run([python, "-c", script, file])
        #expect(status == 0, "\(out)")
        let parts = out.split(separator: " ").map { String($0).trimmingCharacters(in: .whitespacesAndNewlines) }
        #expect(parts.count == 3 && (Int(parts[0]) ?? 0) >= 20 && (Int(parts[1]) ?? 0) > 60 && Double(parts[2]) == 5, "\(out)")
    }

    @Test(.enabled(if: promtool != nil || inCI, "promtool is not installed (scripts/setup.sh installs Debian's prometheus)"))
    func promtoolIsClean() throws {
        let tool = try #require(promtool, "CI must have promtool")
        let file = NSTemporaryDirectory() + "tickwork-metrics-\(getpid())-promtool.prom"
        try text().write(toFile: file, atomically: true, encoding: .utf8)
        defer { unlink(file) }
        let (status, out) = try run(["sh", "-c", "\(tool) check metrics < \(file)"])
        #expect(status == 0 && out.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, "promtool: \(out)")
    }

    @Test("GET /metrics over real TCP; other paths, methods and bad requests get their status")
    func http() throws {
        let (engine, _) = try fixedEngine()
        defer { engine.shutdown() }
        let server = try MetricsServer(link: LocalEngineLink(engine: engine), address: "127.0.0.1:0")
        try server.start()
        defer { server.stop() }
        let ok = try request(server.port, "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(ok.hasPrefix("HTTP/1.1 200 OK") && ok.contains("Content-Type: text/plain; version=0.0.4"))
        #expect(ok.contains("tickwork_runs_total"))
        #expect(try request(server.port, "GET / HTTP/1.1\r\n\r\n").hasPrefix("HTTP/1.1 404"))
        #expect(try request(server.port, "POST /metrics HTTP/1.1\r\n\r\n").hasPrefix("HTTP/1.1 405"))
        #expect(try request(server.port, "garbage\r\n\r\n").hasPrefix("HTTP/1.1 400"))
        #expect(try request(server.port, "GET /metrics HTTP/1.1\r\n" + String(repeating: "X-Pad: y\r\n", count: 2000)).hasPrefix("HTTP/1.1 431"))
        #expect(try request(server.port, "GET /metrics HTTP/1.1\r\n\r\n").hasPrefix("HTTP/1.1 200"), "still serving")
    }

    @Test("a bad address is named")
    func badAddresses() {
        for (address, expected) in [("9464", "HOST:PORT"), ("127.0.0.1:99999", "0…65535"), ("localhost:9464", "IPv4")] {
            #expect(throws: MetricsError.self) { _ = try MetricsServer.parse(address) }
            do { _ = try MetricsServer.parse(address) } catch { #expect(error.description.contains(expected), "\(address): \(error)") }
        }
    }

    /// One request, the whole answer.
    func request(_ port: UInt16, _ text: String) throws -> String {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        _ = inet_pton(AF_INET, "127.0.0.1", &address.sin_addr)
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard rc == 0 else { throw POSIXError(.ECONNREFUSED) }
        let bytes = Array(text.utf8)
        _ = bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        var out: [UInt8] = [], buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { break }
            out += buffer[0..<n]
        }
        return String(decoding: out, as: UTF8.self)
    }
}

/// Runs a program to completion: its exit status and output (stdout and stderr).
func run(_ argv: [String]) throws -> (Int32, String) {
    let outPath = NSTemporaryDirectory() + "tickwork-metrics-run-\(getpid())-\(UInt64.random(in: 0...UInt64.max)).out"
    defer { unlink(outPath) }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 1, outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    posix_spawn_file_actions_adddup2(&actions, 1, 2)
    let cArgs = argv.map { strdup($0) } + [nil]
    defer { for a in cArgs { free(a) } }
    var pid: pid_t = 0
    guard posix_spawnp(&pid, argv[0], &actions, nil, cArgs, environ) == 0 else { return (127, "cannot run \(argv[0])") }
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    return ((status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f),
            (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "")
}
