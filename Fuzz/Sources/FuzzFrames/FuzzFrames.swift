import CFuzzDriver
import Foundation
import TickworkWire

/// Bytes as a server reads them off a socket: the first byte picks where
/// the stream is split into reads, the rest goes through `FrameDecoder`,
/// and every whole frame is decoded as the client messages a server
/// accepts (and as server messages, as a client would). Any answer — a
/// frame, an error, a message, a decoding error — is fine; a trap is not,
/// nor a frame over the cap, nor bytes lost or invented.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzFrames(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data, size > 0 else { return 0 }
    let bytes = Array(UnsafeBufferPointer(start: data + 1, count: size - 1))
    let step = Int(data[0] % 17) + 1
    var decoder = FrameDecoder(maximumBytes: 4096)
    var consumed = 0
    var at = 0
    while at < bytes.count {
        decoder.feed(bytes[at..<min(bytes.count, at + step)])
        at += step
        do {
            while let payload = try decoder.next() {
                precondition(!payload.isEmpty && payload.count <= 4096, "a frame of \(payload.count) bytes passed")
                consumed += 4 + payload.count
                _ = try? JSONDecoder().decode(ClientMessage.self, from: Data(payload))
                _ = try? JSONDecoder().decode(ServerMessage.self, from: Data(payload))
            }
        } catch {
            return 0   // the peer would be disconnected here
        }
    }
    precondition(consumed + decoder.pendingBytes == bytes.count, "bytes lost or invented")
    _ = try? decoder.finish()
    return 0
}

/// SwiftPM's entry point for this executable: hands over to libFuzzer.
@_cdecl("FuzzFrames_main")
public func fuzzFramesMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var argc = argc
    var argv = argv
    return LLVMFuzzerRunDriver(&argc, &argv) { data, size in fuzzFrames(data, size) }
}
