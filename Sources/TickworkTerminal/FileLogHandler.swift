#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Logging
import Tickwork

/// A swift-log handler that appends lines to a file: while the dashboard
/// owns the terminal nothing may be written to it, so logs go here.
/// Threads: any; `lock` serialises the writes.
public struct FileLogHandler: LogHandler {
    final class Sink: @unchecked Sendable {
        let lock = Lock()
        let fd: Int32
        init(fd: Int32) { self.fd = fd }
        func write(_ line: String) {
            var bytes = Array(line.utf8)
            lock.withLock { _ = bytes.withUnsafeMutableBytes { Glibc.write(fd, $0.baseAddress, $0.count) } }
        }
    }

    private let sink: Sink
    private let label: String
    public var logLevel: Logger.Level = .info
    public var metadata: Logger.Metadata = [:]

    /// Opens the log file for appending. `createFolder` makes its folder
    /// first: only for the default path; a path a person gave is used as it
    /// is, and a missing folder is an error that names it.
    public static func open(path: String, createFolder: Bool) throws -> @Sendable (String) -> FileLogHandler {
        let dir = (path as NSString).deletingLastPathComponent
        if createFolder && !dir.isEmpty {
            do { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) } catch {
                throw LogFileError(path: path, reason: "cannot create its folder \(dir)")
            }
        }
        let fd = Glibc.open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            let reason = String(cString: strerror(errno))
            var isDir: ObjCBool = false
            if errno == ENOENT, !dir.isEmpty, !FileManager.default.fileExists(atPath: dir, isDirectory: &isDir) {
                throw LogFileError(path: path, reason: "the folder \(dir) does not exist")
            }
            throw LogFileError(path: path, reason: reason)
        }
        let sink = Sink(fd: fd)
        return { label in FileLogHandler(sink: sink, label: label) }
    }

    private init(sink: Sink, label: String) { self.sink = sink; self.label = label }
    private static let pid = getpid()

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var all = metadata
        if let extra = event.metadata { all.merge(extra) { $1 } }
        let meta = all.isEmpty ? "" : " " + all.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        let stamp = ISO8601DateFormatter.string(from: Date(), timeZone: .current,
                                                formatOptions: [.withInternetDateTime, .withFractionalSeconds])
        // The process id: instances sharing a log file stay apart.
        sink.write("\(stamp) \(event.level) \(label)[\(Self.pid)]: \(event.message)\(meta)\n")
    }
}

public struct LogFileError: Error, CustomStringConvertible {
    public let path: String
    public let reason: String
    public var description: String { "cannot open the log file \(path): \(reason)" }
}
