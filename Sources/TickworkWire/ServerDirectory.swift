#if canImport(Glibc)
import Glibc
#endif

/// Where servers put their sockets, and how a client finds them:
/// `$XDG_RUNTIME_DIR/tickwork/` (a per-user folder the system makes private),
/// else `/tmp/tickwork-<uid>/`; a server's socket is `<pid>.sock` there.
/// The folder is made 0700 and refused if it is anyone else's, or open to
/// others, or a symbolic link (a planted folder could capture the socket).
/// Pure functions over the file system; any thread.
public enum ServerDirectory {
    /// The folder for this user, from the environment given.
    public static func path(environment: [String: String]) -> String {
        if let runtime = environment["XDG_RUNTIME_DIR"], !runtime.isEmpty, runtime.hasPrefix("/") {
            return runtime + "/tickwork"
        }
        return "/tmp/tickwork-\(getuid())"
    }

    /// The default socket of the server with `pid`.
    public static func socketPath(pid: Int32, in folder: String) -> String { "\(folder)/\(pid).sock" }

    /// Makes the folder (0700) if it is missing; throws if it exists and is
    /// not a private folder of this user.
    public static func prepare(_ folder: String) throws(SocketError) {
        if mkdir(folder, 0o700) != 0 && errno != EEXIST {
            throw SocketError("cannot make \(folder)", errno: errno)
        }
        var st = stat()
        guard lstat(folder, &st) == 0 else { throw SocketError("cannot read \(folder)", errno: errno) }
        guard st.st_mode & S_IFMT == S_IFDIR else { throw SocketError("\(folder) is not a folder (a link or a file is there)") }
        guard st.st_uid == getuid() else { throw SocketError("\(folder) belongs to uid \(st.st_uid), not to you (uid \(getuid()))") }
        guard st.st_mode & 0o077 == 0 else {
            throw SocketError("\(folder) is open to others (mode \(String(st.st_mode & 0o777, radix: 8))); it must be 0700")
        }
    }

    /// One socket found in the folder.
    public struct Entry: Sendable, Equatable {
        public let path: String
        public let pid: Int32?
    }

    /// The `*.sock` files in `folder`, by pid (those named otherwise last).
    public static func sockets(in folder: String) -> [Entry] {
        guard let dir = opendir(folder) else { return [] }
        defer { closedir(dir) }
        var found: [Entry] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            guard name.hasSuffix(".sock") else { continue }
            found.append(Entry(path: folder + "/" + name, pid: Int32(name.dropLast(5))))
        }
        return found.sorted { ($0.pid ?? .max, $0.path) < ($1.pid ?? .max, $1.path) }
    }

    /// What a person typed after `attach` (or `status`, `pause` …): a pid,
    /// or a socket's path. Nil for a pid means "the only one running".
    public static func resolve(_ argument: String, in folder: String) -> String {
        if !argument.isEmpty, argument.allSatisfy(\.isNumber), let pid = Int32(argument) {
            return socketPath(pid: pid, in: folder)
        }
        return argument
    }
}
