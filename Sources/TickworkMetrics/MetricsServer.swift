#if canImport(Glibc)
import Glibc
#endif
import Tickwork
import TickworkWire

/// `GET /metrics` over HTTP/1.1 on a TCP address (loopback by default):
/// the Prometheus text of one sample of the engine, read through its
/// `EngineLink` like every other view. One scrape at a time on its own
/// thread (scrapers are few); a client gets 5 s to send its request line,
/// anything but `GET /metrics` gets 404 or 405, and a request over 8 KB
/// is refused. Every connection is closed after its answer.
///
/// Threads: `start` and `stop` from the owner; the loop on its own thread.
/// `lock` guards `listener`.
public final class MetricsServer: @unchecked Sendable {
    public let host: String
    public private(set) var port: UInt16
    private let link: any EngineLink
    private let jobCap: Int
    private let lock = Lock()
    private var listener: Int32 = -1

    /// `address` is `HOST:PORT` (`127.0.0.1:9464`; port 0 picks a free one).
    public init(link: any EngineLink, address: String, jobCap: Int = PrometheusText.defaultJobCap) throws(MetricsError) {
        let (host, port) = try Self.parse(address)
        self.host = host; self.port = port; self.link = link; self.jobCap = max(0, jobCap)
    }

    /// `HOST:PORT` with an IPv4 host and a port 0…65535.
    public static func parse(_ address: String) throws(MetricsError) -> (String, UInt16) {
        guard let colon = address.lastIndex(of: ":") else { throw MetricsError("\(address): give HOST:PORT, e.g. 127.0.0.1:9464") }
        let host = String(address[..<colon]), portText = address[address.index(after: colon)...]
        guard let port = UInt16(portText) else { throw MetricsError("\(address): the port must be 0…65535") }
        var probe = in_addr()
        guard inet_pton(AF_INET, host, &probe) == 1 else { throw MetricsError("\(address): the host must be an IPv4 address (e.g. 127.0.0.1)") }
        return (host, port)
    }

    public func start() throws(MetricsError) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw MetricsError("cannot make a socket: \(String(cString: strerror(errno)))") }
        var yes: Int32 = 1
        _ = setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        _ = inet_pton(AF_INET, host, &address.sin_addr)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 16) == 0 else {
            let why = String(cString: strerror(errno))
            close(fd)
            throw MetricsError("cannot listen on \(host):\(port): \(why)")
        }
        var actual = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &actual) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        port = UInt16(bigEndian: actual.sin_port)
        lock.withLock { listener = fd }
        startThread(name: "tw-metrics") { [self] in loop(fd) }
    }

    public func stop() {
        let fd: Int32 = lock.withLock { defer { listener = -1 }; return listener }
        if fd >= 0 { _ = shutdown(fd, Int32(SHUT_RDWR)) }
    }

    private func loop(_ fd: Int32) {
        // Close-on-exec from the start: a command a job spawns inherits no scrape.
        while let client = UnixSocket.accept(fd) {
            answer(client)
            close(client)
        }
        close(fd)
    }

    /// Reads the request head (up to 8 KB, 5 s) and answers it.
    private func answer(_ fd: Int32) {
        var tv = timeval(tv_sec: 5, tv_usec: 0)
        _ = setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        _ = setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        var head: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 2048)
        while !head.containsHeadEnd {
            guard head.count < 8192 else { return respond(fd, 431, "request header too large\n") }
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            guard n > 0 else { return }
            head += buffer[0..<n]
        }
        let requestLine = String(decoding: head.prefix { $0 != 13 && $0 != 10 }, as: UTF8.self).split(separator: " ")
        guard requestLine.count >= 2 else { return respond(fd, 400, "bad request\n") }
        let path = requestLine[1].split(separator: "?", maxSplits: 1).first.map(String.init) ?? ""
        guard path == "/metrics" else { return respond(fd, 404, "only /metrics is served here\n") }
        guard requestLine[0] == "GET" || requestLine[0] == "HEAD" else { return respond(fd, 405, "GET /metrics\n") }
        let body: String
        do { body = try scrape() } catch { return respond(fd, 503, "the engine did not answer: \(error)\n") }
        respond(fd, 200, requestLine[0] == "HEAD" ? "" : body, contentType: PrometheusText.contentType,
                length: body.utf8.count)
    }

    /// One sample: the snapshot and the first `jobCap` jobs by id.
    public func scrape() throws -> String {
        let sample = try link.sample(SampleRequest(query: JobQuery(sort: .id, limit: jobCap), eventLimit: 0))
        return PrometheusText.render(snapshot: sample.snapshot, jobs: sample.page.jobs, totalJobs: sample.page.matching)
    }

    private func respond(_ fd: Int32, _ status: Int, _ body: String, contentType: String = "text/plain; charset=utf-8",
                         length: Int? = nil) {
        let reason = [200: "OK", 400: "Bad Request", 404: "Not Found", 405: "Method Not Allowed",
                      431: "Request Header Fields Too Large", 503: "Service Unavailable"][status] ?? "Error"
        let head = "HTTP/1.1 \(status) \(reason)\r\nContent-Type: \(contentType)\r\nContent-Length: \(length ?? body.utf8.count)\r\nConnection: close\r\n\r\n"
        _ = UnixSocket.writeAll(fd, Array(head.utf8) + Array(body.utf8))
    }
}

/// Why the metrics address cannot be served: a line naming it.
public struct MetricsError: Error, CustomStringConvertible, Equatable {
    public let description: String
    init(_ d: String) { description = d }
}

extension Array where Element == UInt8 {
    /// The request head is complete (a blank line after it).
    var containsHeadEnd: Bool {
        guard count >= 4 else { return false }
        for i in 0...(count - 4) where self[i] == 13 && self[i + 1] == 10 && self[i + 2] == 13 && self[i + 3] == 10 { return true }
        for i in 0...(count - 2) where self[i] == 10 && self[i + 1] == 10 { return true }
        return false
    }
}
