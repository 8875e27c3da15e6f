#if canImport(Glibc)
import Glibc
#endif
import CTickworkLinux

/// Why a socket could not be opened, listened on or used: a line that
/// names the path and the system's reason.
public struct SocketError: Error, Equatable, CustomStringConvertible {
    public let description: String
    init(_ what: String, errno code: Int32? = nil) {
        description = code.map { "\(what): \(String(cString: strerror($0)))" } ?? what
    }
}

/// Plain POSIX Unix-domain stream sockets (DECISIONS 48: 9 µs a round
/// trip here, and 67 KB of binary, against swift-nio's 51 s of clean
/// build). Every descriptor is close-on-exec, so a command a job runs
/// inherits none. Pure functions over descriptors; any thread.
public enum UnixSocket {
    /// The longest path `sockaddr_un` holds.
    public static let maximumPathBytes = 107

    /// Listens at `path`. A socket file left by a server that died is
    /// replaced; one a live server answers on is not (an error says so).
    public static func listen(at path: String, backlog: Int32 = 32) throws(SocketError) -> Int32 {
        if access(path, F_OK) == 0 {
            if let fd = try? connect(to: path) {
                close(fd)
                throw SocketError("\(path): a server is already listening there")
            }
            unlink(path)
        }
        let fd = try makeSocket()
        let rc = withAddress(path) { bind(fd, $0, $1) }
        guard let rc, rc == 0 else {
            let code = errno
            close(fd)
            throw rc == nil ? pathTooLong(path) : SocketError("cannot listen at \(path)", errno: code)
        }
        // Inside a directory only its owner may enter (the caller made it):
        // the mode is a second lock, set before anyone can connect.
        guard chmod(path, 0o600) == 0, Glibc.listen(fd, backlog) == 0 else {
            let code = errno
            close(fd); unlink(path)
            throw SocketError("cannot listen at \(path)", errno: code)
        }
        return fd
    }

    /// Connects to the server at `path`.
    public static func connect(to path: String) throws(SocketError) -> Int32 {
        let fd = try makeSocket()
        let rc = withAddress(path) { Glibc.connect(fd, $0, $1) }
        guard let rc, rc == 0 else {
            let code = errno
            close(fd)
            if rc == nil { throw pathTooLong(path) }
            if code == ENOENT || code == ECONNREFUSED { throw SocketError("no server at \(path)", errno: code) }
            throw SocketError("cannot connect to \(path)", errno: code)
        }
        return fd
    }

    /// The next connection (close-on-exec), or nil when the listener was
    /// shut down. Any stream listener: the metrics' TCP one too. Retries
    /// on EINTR and on a connection that went away before it was taken.
    public static func accept(_ listener: Int32) -> Int32? {
        while true {
            let fd = ctw_accept_cloexec(listener)
            if fd >= 0 { return fd }
            if errno == EINTR || errno == ECONNABORTED || errno == EMFILE || errno == ENFILE {
                if errno == EMFILE || errno == ENFILE { usleep(10_000) }   // out of descriptors: let some close
                continue
            }
            return nil
        }
    }

    /// The uid and pid of the peer, as the kernel recorded them at connect.
    public static func peer(of fd: Int32) -> (uid: uid_t, pid: pid_t)? {
        var uid: UInt32 = 0, pid: Int32 = 0
        return ctw_peer_credentials(fd, &uid, &pid) == 0 ? (uid_t(uid), pid_t(pid)) : nil
    }

    /// Gives up on a send that cannot proceed for `seconds` (a peer that
    /// stopped reading), so a writer never blocks for ever.
    public static func setSendTimeout(_ fd: Int32, seconds: Int) {
        var tv = timeval(tv_sec: seconds, tv_usec: 0)
        _ = setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
    }

    /// Writes all of `bytes`; false when the peer is gone or the send timed out.
    public static func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        var sent = 0
        while sent < bytes.count {
            let n = bytes.withUnsafeBytes { buf in
                Glibc.send(fd, buf.baseAddress! + sent, buf.count - sent, Int32(MSG_NOSIGNAL))
            }
            if n > 0 { sent += n; continue }
            if n < 0 && errno == EINTR { continue }
            return false
        }
        return true
    }

    /// Gives up on a read that has waited `seconds` for a byte (a peer that
    /// stopped answering: frozen, or stopped with SIGSTOP).
    public static func setReceiveTimeout(_ fd: Int32, seconds: Int) {
        var tv = timeval(tv_sec: seconds, tv_usec: 0)
        _ = setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
    }

    /// What a read found.
    public enum ReadResult: Equatable { case bytes(Int), end, timedOut }

    /// Reads what is there (blocking until something is, or the receive
    /// timeout): the bytes, the end of the stream (or an error), or the timeout.
    public static func readSome(_ fd: Int32, into buffer: inout [UInt8]) -> ReadResult {
        while true {
            let n = buffer.withUnsafeMutableBytes { Glibc.recv(fd, $0.baseAddress, $0.count, 0) }
            if n > 0 { return .bytes(n) }
            if n < 0 && errno == EINTR { continue }
            if n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) { return .timedOut }
            return .end
        }
    }

    private static func makeSocket() throws(SocketError) -> Int32 {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw SocketError("cannot make a socket", errno: errno) }
        return fd
    }

    private static func pathTooLong(_ path: String) -> SocketError {
        SocketError("\(path): a socket path is at most \(maximumPathBytes) bytes (this one is \(path.utf8.count))")
    }

    /// Calls `body` with `path` as a `sockaddr_un`; nil if it does not fit.
    private static func withAddress<T>(_ path: String, _ body: (UnsafePointer<sockaddr>, socklen_t) -> T) -> T? {
        let bytes = Array(path.utf8)
        guard !bytes.isEmpty, bytes.count <= maximumPathBytes, !bytes.contains(0) else { return nil }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
    }
}
