import CFuzzDriver
import Tickwork

/// Seconds as a person types them (the text a command-line option or a job
/// file holds, read as `Double(text)` the way ArgumentParser does) through
/// `SecondsInput`: a duration inside the range, or a `UsageError`, never a
/// trap. Also the input's raw bytes as a Double, to reach every bit pattern.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSeconds(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data else { return 0 }
    let bytes = UnsafeBufferPointer(start: data, count: size)
    var values: [Double] = []
    if let v = Double(String(decoding: bytes, as: UTF8.self)) { values.append(v) }
    if size >= 8 { values.append(UnsafeRawPointer(data).loadUnaligned(as: Double.self)) }
    for v in values {
        for input in inputs {
            guard let d = try? input.duration(v) else { continue }
            let ns = d.nanoseconds
            precondition(v.isFinite && ns >= 0, "accepted \(v) as \(ns) ns")
            precondition(Double(ns) <= input.range.upperBound * 1e9 + 1, "\(v) became \(ns) ns, past \(input.range)")
            precondition(!input.excludesLowerBound || ns > 0, "\(v) became 0 ns for \(input.name)")
        }
    }
    return 0
}

private let inputs = [
    SecondsInput("--duration", 0...31_536_000, excludingLowerBound: true),
    SecondsInput("--interval", 0.05...86_400),
    SecondsInput("--pmin", 0.000_001...31_536_000),
    SecondsInput("--longest", 0...SecondsInput.longest),
]

/// SwiftPM's entry point for this executable: hands over to libFuzzer.
@_cdecl("FuzzSeconds_main")
public func fuzzSecondsMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var argc = argc
    var argv = argv
    return LLVMFuzzerRunDriver(&argc, &argv) { data, size in fuzzSeconds(data, size) }
}
