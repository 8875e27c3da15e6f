import CFuzzDriver
import Foundation
import TickworkJobFile

/// Job files as anyone may write them, through the parser and checker: a
/// valid `JobFile` or a list of `FILE:LINE:COLUMN` problems, never a trap.
/// What is accepted must hold together: a command for every job, a
/// schedule whose next instants can be listed, problems in file order.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJobFile(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data else { return 0 }
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    switch JobFileParser.parse(text, path: "fuzz.yaml", now: now) {
    case .success(let file):
        precondition(Set(file.jobs.map(\.name)).count == file.jobs.count, "duplicate names accepted")
        for job in file.jobs {
            switch job.command {
            case .argv(let words): precondition(!(words.first ?? "").isEmpty, "empty command accepted")
            case .shell(let script): precondition(!script.isEmpty, "empty shell accepted")
            case .noop: preconditionFailure("a job file has no no-op kind")
            }
            _ = job.scheduleText
            _ = job.commandText
            _ = NextRuns.instants(of: job, from: now, count: 3)
        }
    case .failure(let errors):
        precondition(!errors.problems.isEmpty, "a failure with no problem")
        let places = errors.problems.map { ($0.line, $0.column) }
        precondition(zip(places, places.dropFirst()).allSatisfy { $0 <= $1 }, "problems out of order")
        precondition(places.allSatisfy { $0.0 >= 1 && $0.1 >= 1 }, "a problem before line 1")
    }
    return 0
}

private let now = Date(timeIntervalSince1970: 1_796_112_000)

/// SwiftPM's entry point for this executable: hands over to libFuzzer.
@_cdecl("FuzzJobFile_main")
public func fuzzJobFileMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var argc = argc
    var argv = argv
    return LLVMFuzzerRunDriver(&argc, &argv) { data, size in fuzzJobFile(data, size) }
}
