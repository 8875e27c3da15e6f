import CFuzzDriver
import TickworkCLI

/// Any words as `tickwork`'s arguments (split at NUL and newline, so a
/// word may hold spaces): they parse and validate, or give a message;
/// nothing runs and nothing traps.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCommandLine(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data else { return 0 }
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    let words = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\0" || $0 == "\n" }).map(String.init)
    guard words.count <= 64 else { return 0 }
    if let message = TickworkCommand.check(words) {
        precondition(!message.isEmpty, "an empty message for \(words)")
    }
    return 0
}

/// SwiftPM's entry point for this executable: hands over to libFuzzer.
@_cdecl("FuzzCommandLine_main")
public func fuzzCommandLineMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var argc = argc
    var argv = argv
    return LLVMFuzzerRunDriver(&argc, &argv) { data, size in fuzzCommandLine(data, size) }
}
