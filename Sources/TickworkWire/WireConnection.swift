#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// Why a conversation on the wire ended.
public enum WireError: Error, Equatable, CustomStringConvertible {
    /// The other end closed the connection (between frames).
    case closed
    case frame(FrameError)
    /// A frame that is not a message of the protocol.
    case garbled(String)
    /// The send could not complete (the peer stopped reading, or is gone).
    case sendFailed
    /// Nothing came within the receive timeout (the peer stopped answering).
    case timedOut
    /// The peer said something the protocol does not allow here.
    case refused(String)

    public var description: String {
        switch self {
        case .closed: return "the connection was closed"
        case .frame(let e): return "\(e)"
        case .garbled(let why): return "a frame that is not a message: \(why)"
        case .sendFailed: return "the other end stopped reading or went away"
        case .timedOut: return "the other end stopped answering"
        case .refused(let why): return why
        }
    }
}

/// One end of a connection: messages out as frames of JSON, frames in
/// through a decoder. Owns its descriptor and closes it once.
///
/// Threads: `send` from one thread at a time, `receive` from one thread at
/// a time (they may be two different ones); `close` from any. `lock`
/// guards `fd` being open.
public final class WireConnection: @unchecked Sendable {
    public let fd: Int32
    private var decoder = FrameDecoder()
    private var readBuffer = [UInt8](repeating: 0, count: 64 << 10)
    private let lock = NSLock()
    private var closed = false

    public init(fd: Int32) { self.fd = fd }
    deinit { close() }

    /// Sends one message; returns the frame's size in bytes.
    @discardableResult
    public func send(_ message: some Encodable) throws(WireError) -> Int {
        let payload: [UInt8]
        do { payload = try StreamingJSONEncoder().encode(message) } catch { throw .garbled("\(error)") }
        guard payload.count <= Frame.maximumBytes else { throw .frame(.tooLarge(payload.count)) }
        guard UnixSocket.writeAll(fd, Frame.encode(payload)) else { throw .sendFailed }
        return 4 + payload.count
    }

    /// The next message; throws `.closed` at a clean end of the stream and
    /// a frame or decoding error for anything else.
    public func receive<M: Decodable>(_ type: M.Type) throws(WireError) -> M {
        while true {
            let payload: [UInt8]?
            do { payload = try decoder.next() } catch { throw .frame(error) }
            if let payload {
                do { return try JSONDecoder().decode(M.self, from: Data(payload)) } catch {
                    throw .garbled(Self.reason(error))
                }
            }
            switch UnixSocket.readSome(fd, into: &readBuffer) {
            case .bytes(let n): decoder.feed(readBuffer[0..<n])
            case .timedOut: throw .timedOut
            case .end:
                do { try decoder.finish() } catch { throw .frame(error) }
                throw .closed
            }
        }
    }

    /// Ends the connection both ways (a thread blocked reading wakes).
    public func shutdownBothWays() { lock.withLock { if !closed { _ = Glibc.shutdown(fd, Int32(SHUT_RDWR)) } } }

    public func close() {
        lock.withLock {
            guard !closed else { return }
            closed = true
            _ = Glibc.close(fd)
        }
    }

    /// A decoding error in a line (the type and key it failed at).
    private static func reason(_ error: any Error) -> String {
        guard let e = error as? DecodingError else { return "\(error)" }
        switch e {
        case .dataCorrupted(let c): return c.debugDescription
        case .keyNotFound(let key, _): return "no '\(key.stringValue)'"
        case .typeMismatch(let type, let c): return "\(type) expected at \(c.codingPath.map(\.stringValue).joined(separator: "."))"
        case .valueNotFound(let type, let c): return "\(type) missing at \(c.codingPath.map(\.stringValue).joined(separator: "."))"
        @unknown default: return "\(error)"
        }
    }
}
