/// The wire's framing: each message is a 4-byte big-endian length, then
/// that many bytes of JSON. A length over the cap, or of zero, is an error
/// (the peer is dropped); a frame split over several reads is put back
/// together. Pure values, any thread; one decoder per connection.
public enum Frame {
    /// The largest payload either side accepts (16 MiB). A sample at a
    /// million jobs is a window of rows, not the table: tens of KB.
    public static let maximumBytes = 16 << 20

    /// `payload` with its length in front.
    public static func encode(_ payload: [UInt8]) -> [UInt8] {
        let n = UInt32(payload.count)
        var out = [UInt8]()
        out.reserveCapacity(4 + payload.count)
        out.append(UInt8(truncatingIfNeeded: n >> 24)); out.append(UInt8(truncatingIfNeeded: n >> 16))
        out.append(UInt8(truncatingIfNeeded: n >> 8)); out.append(UInt8(truncatingIfNeeded: n))
        out.append(contentsOf: payload)
        return out
    }
}

/// Why a peer's bytes are not frames.
public enum FrameError: Error, Equatable, CustomStringConvertible {
    case tooLarge(Int)
    case empty
    /// The connection ended inside a frame (`have` of `need` bytes).
    case truncated(have: Int, need: Int)

    public var description: String {
        switch self {
        case .tooLarge(let n): return "a frame of \(n) bytes is over the \(Frame.maximumBytes)-byte cap"
        case .empty: return "a frame of 0 bytes"
        case .truncated(let have, let need): return "the connection ended inside a frame (\(have) of \(need) bytes)"
        }
    }
}

/// Puts frames back together from the bytes as they arrive.
public struct FrameDecoder {
    private var buffer: [UInt8] = []
    /// Where the unread bytes start (compacted when it passes half the buffer).
    private var start = 0
    public let maximumBytes: Int

    public init(maximumBytes: Int = Frame.maximumBytes) { self.maximumBytes = maximumBytes }

    /// Bytes received and not yet returned as a frame.
    public var pendingBytes: Int { buffer.count - start }

    public mutating func feed(_ bytes: some Sequence<UInt8>) {
        if start > 0 && start * 2 >= buffer.count {
            buffer.removeFirst(start)
            start = 0
        }
        buffer.append(contentsOf: bytes)
    }

    /// The next whole frame's payload, nil until one has arrived; throws as
    /// soon as a length is read that is zero or over the cap.
    public mutating func next() throws(FrameError) -> [UInt8]? {
        guard pendingBytes >= 4 else { return nil }
        let n = buffer[start..<start + 4].reduce(0) { $0 << 8 | Int($1) }
        guard n > 0 else { throw .empty }
        guard n <= maximumBytes else { throw .tooLarge(n) }
        guard pendingBytes >= 4 + n else { return nil }
        let payload = Array(buffer[start + 4..<start + 4 + n])
        start += 4 + n
        if start == buffer.count { buffer.removeAll(keepingCapacity: buffer.count <= 1 << 16); start = 0 }
        return payload
    }

    /// At the end of the connection: an error if it ended inside a frame.
    public func finish() throws(FrameError) {
        guard pendingBytes > 0 else { return }
        if pendingBytes < 4 { throw .truncated(have: pendingBytes, need: 4) }
        let n = buffer[start..<start + 4].reduce(0) { $0 << 8 | Int($1) }
        throw .truncated(have: pendingBytes - 4, need: n)
    }
}
