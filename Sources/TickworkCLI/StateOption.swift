import Foundation
import TickworkJobFile
import TickworkStore

/// Where `serve --file F` keeps its state: `--state PATH`, `--state none`
/// (memory only), or by default a file of its own per job file under
/// `$XDG_STATE_HOME/tickwork/` (else `~/.local/state/tickwork/`), named
/// after the file and a hash of its full path, so two job files never
/// share one.
enum StateOption {
    /// The state file's path, or nil for memory only.
    static func path(_ option: String?, jobFile: String, environment: [String: String]) -> String? {
        if let option { return option == "none" ? nil : option }
        let base: String
        if let xdg = environment["XDG_STATE_HOME"], xdg.hasPrefix("/") { base = xdg }
        else { base = (environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()) + "/.local/state" }
        let full = URL(fileURLWithPath: jobFile).standardizedFileURL.path
        let stem = ((full as NSString).lastPathComponent as NSString).deletingPathExtension
        return "\(base)/tickwork/\(stem)-\(fnv1a(full)).sqlite"
    }

    /// 8 hex digits of FNV-1a: stable across runs and builds (Swift's
    /// own hash is seeded per process).
    static func fnv1a(_ text: String) -> String {
        var h: UInt32 = 2_166_136_261
        for b in text.utf8 { h = (h ^ UInt32(b)) &* 16_777_619 }
        let hex = String(h, radix: 16)
        return String(repeating: "0", count: 8 - hex.count) + hex
    }

    /// Opens it, or says in one line why not (exit 2).
    static func open(_ path: String?) throws -> StateFile? {
        guard let path else { return nil }
        do { return try StateFile(path: path) } catch { throw CleanFailure("tickwork: state: \(error)") }
    }
}
