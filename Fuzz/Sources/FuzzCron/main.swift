import CFuzzDriver
import Foundation
import Tickwork

/// Any text to the cron parser: it parses or throws `ParseError`, never
/// traps; a parsed expression's next fire is after the instant asked, in
/// a zone with DST, and its text is what was given.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCron(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data else { return 0 }
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    guard let cron = try? CronExpression(parsing: text, timeZone: zone) else { return 0 }
    for start in starts {
        if let next = cron.nextFire(after: start) {
            precondition(next > start, "next fire \(next) is not after \(start) for '\(text)'")
            precondition(next.timeIntervalSince(start) < 9 * 366 * 86_400, "next fire too far for '\(text)'")
        }
    }
    precondition(cron.source == text.trimmingCharacters(in: .whitespaces), "source changed for '\(text)'")
    return 0
}

private let zone = TimeZone(identifier: "America/New_York")!
/// Around a spring-forward and a fall-back night, and a leap day.
private let starts: [Date] = [1_773_000_000, 1_793_500_000, 1_709_164_800].map { Date(timeIntervalSince1970: $0) }

/// SwiftPM's entry point for this executable: hands over to libFuzzer.
@_cdecl("FuzzCron_main")
public func fuzzCronMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var argc = argc
    var argv = argv
    return LLVMFuzzerRunDriver(&argc, &argv) { data, size in fuzzCron(data, size) }
}
