#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Tickwork
import TickworkWire

/// Finds the server a client command means: the socket or pid the person
/// named, or the only one running in their folder (`ServerDirectory`).
enum ServerFinder {
    static var folder: String { ServerDirectory.path(environment: ProcessInfo.processInfo.environment) }

    /// A server that answered hello.
    struct Found {
        let path: String
        let hello: ServerHello
    }

    /// Every server in the folder that answers. A socket left by a server
    /// that died (`kill -9`: its pid is gone) is removed.
    static func running() -> [Found] {
        ServerDirectory.sockets(in: folder).compactMap { entry in
            guard let link = try? RemoteEngineLink(path: entry.path, client: "tickwork probe") else {
                if let pid = entry.pid, kill(pid, 0) != 0 && errno == ESRCH { unlink(entry.path) }
                return nil
            }
            defer { link.close() }
            return Found(path: entry.path, hello: link.server)
        }
    }

    /// Connects to what `argument` names (a pid, a path), or with nil to the
    /// only server running. `choose`, given several, picks one (attach
    /// asks the person; scripts get the list and exit 2).
    static func connect(_ argument: String?, client: String,
                        choose: (([Found]) -> Found?)? = nil) throws -> RemoteEngineLink {
        let path: String
        if let argument {
            path = ServerDirectory.resolve(argument, in: folder)
        } else {
            let live = running()
            switch live.count {
            case 0:
                throw CleanFailure("tickwork: no server is running (none answers in \(folder)); start one with: tickwork serve")
            case 1:
                path = live[0].path
            default:
                guard let pick = choose?(live) else {
                    throw CleanFailure("tickwork: \(live.count) servers are running; name one (a pid or a socket):\n"
                                       + list(live).joined(separator: "\n"))
                }
                path = pick.path
            }
        }
        do { return try RemoteEngineLink(path: path, client: client) } catch {
            throw CleanFailure("tickwork: \(error)")
        }
    }

    /// One line per server: pid, what it runs, its socket.
    static func list(_ servers: [Found]) -> [String] {
        servers.enumerated().map { i, s in
            "  \(i + 1). pid \(s.hello.pid)  \(s.hello.name)\(s.hello.readOnly ? " (read-only)" : "")  \(s.path)"
        }
    }

    /// Asks the person at a terminal which server; nil when stdin is no
    /// terminal or the answer names none.
    static func ask(_ servers: [Found]) -> Found? {
        guard isatty(0) != 0 else { return nil }
        print("\(servers.count) servers are running:")
        for line in list(servers) { print(line) }
        print("attach to which (1-\(servers.count))? ", terminator: "")
        fflush(nil)
        guard let answer = readLine(), let n = Int(answer.trimmingCharacters(in: .whitespaces)),
              (1...servers.count).contains(n) else { return nil }
        return servers[n - 1]
    }
}
