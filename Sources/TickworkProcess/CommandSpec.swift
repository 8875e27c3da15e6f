import Glibc

/// One command to run: what to execute and the limits of the run.
public struct CommandSpec: Sendable, Equatable {
    /// The program and its arguments, executed directly (no shell): a
    /// program name without a slash is looked up on the run's `PATH`.
    public var argv: [String]
    /// The run's whole environment (see `CommandEnvironment`).
    public var environment: [String: String]
    /// The directory it starts in; nil: Tickwork's own.
    public var workingDirectory: String?
    /// The run is stopped (TERM, then KILL) once it has run this long; nil: never.
    public var timeoutNs: Int64?
    /// How long a stopped run's group gets between SIGTERM and SIGKILL.
    public var killAfterNs: Int64
    /// Bytes kept per stream (half from the start, half from the end).
    public var outputLimit: Int

    public static let defaultKillAfterNs: Int64 = 5_000_000_000
    public static let defaultOutputLimit = 64 * 1024

    public init(argv: [String], environment: [String: String] = [:], workingDirectory: String? = nil,
                timeoutNs: Int64? = nil, killAfterNs: Int64 = CommandSpec.defaultKillAfterNs,
                outputLimit: Int = CommandSpec.defaultOutputLimit) {
        self.argv = argv; self.environment = environment; self.workingDirectory = workingDirectory
        self.timeoutNs = timeoutNs; self.killAfterNs = killAfterNs; self.outputLimit = outputLimit
    }

    /// `sh -c SCRIPT NAME`: a shell only when a job asks for one by name.
    /// The script is passed as one argument, never spliced into another.
    public static func shellArgv(_ script: String, name: String) -> [String] {
        ["/bin/sh", "-c", script, name]
    }
}

/// The environment a run starts from: a short allow-list of Tickwork's
/// own variables (never its secrets), then the job's, then the run's.
public enum CommandEnvironment {
    /// Passed on from Tickwork's environment when set.
    public static let allowList = ["PATH", "HOME", "LANG", "TZ", "USER", "TERM"]
    public static let fallbackPath = "/usr/local/bin:/usr/bin:/bin"

    /// The allow-listed variables of `inherited`, overlaid with the job's
    /// `env`, then with the run's own (`TICKWORK_JOB` and the like, which a
    /// job's `env` cannot override).
    public static func build(inherited: [String: String], job: [String: String], run: [String: String]) -> [String: String] {
        var env: [String: String] = [:]
        for key in allowList { if let value = inherited[key] { env[key] = value } }
        if env["PATH"] == nil { env["PATH"] = fallbackPath }
        env.merge(job) { _, new in new }
        env.merge(run) { _, new in new }
        return env
    }

    /// This process's environment.
    public static func current() -> [String: String] {
        var env: [String: String] = [:]
        var p = environ
        while let entry = p.pointee {
            let text = String(cString: entry)
            if let eq = text.firstIndex(of: "=") { env[String(text[..<eq])] = String(text[text.index(after: eq)...]) }
            p += 1
        }
        return env
    }
}

/// Finds the program a run executes, as `execvp` would, but on the run's
/// own `PATH` (not Tickwork's) and with a message a person can act on.
enum ExecutableLookup {
    static func resolve(_ name: String, path: String?, workingDirectory: String?) throws(CommandError) -> String {
        if name.isEmpty { throw .notFound(name: name, path: path ?? "") }
        // Bytes, not Foundation's `contains` (a CFString search on every run).
        if name.utf8.contains(UInt8(ascii: "/")) {
            let full = name.hasPrefix("/") || workingDirectory == nil ? name : workingDirectory! + "/" + name
            guard isExecutableFile(full) else { throw .notExecutable(path: name) }
            return name
        }
        let searchPath = path ?? CommandEnvironment.fallbackPath
        for dir in searchPath.split(separator: ":", omittingEmptySubsequences: false) {
            let base = dir.isEmpty ? "." : String(dir)
            let candidate = base + "/" + name
            if isExecutableFile(candidate) { return candidate }
        }
        throw .notFound(name: name, path: searchPath)
    }

    static func isExecutableFile(_ path: String) -> Bool {
        var st = stat()
        guard stat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { return false }
        return access(path, X_OK) == 0
    }
}
