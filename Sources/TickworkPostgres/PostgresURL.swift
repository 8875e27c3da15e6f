import CLibPQ

/// A `postgresql://` URL as given to `--store`: checked by libpq's own
/// parser, and shown to people without its password.
public struct PostgresURL: Sendable, Equatable, CustomStringConvertible {
    public let text: String
    /// `postgresql://user@host:port/db`: no password, ever.
    public let redacted: String

    /// Parses `text`; throws one line naming what is wrong.
    public init(_ text: String) throws(PostgresError) {
        guard text.hasPrefix("postgresql://") || text.hasPrefix("postgres://") else {
            throw PostgresError("a store is a postgresql:// URL (got \(Self.firstPart(of: text)))")
        }
        var error: UnsafeMutablePointer<CChar>?
        guard let options = PQconninfoParse(text, &error) else {
            let message = error.map { String(cString: $0) } ?? "cannot parse it"
            PQfreemem(error)
            throw PostgresError("cannot parse the store URL \(Self.firstPart(of: text)): \(Self.hidingSecrets(of: text, in: oneLine(message)))")
        }
        defer { PQconninfoFree(options) }
        var values: [String: String] = [:]
        var option = options
        while let keyword = option.pointee.keyword {
            if let v = option.pointee.val { values[String(cString: keyword)] = String(cString: v) }
            option += 1
        }
        self.text = text
        let user = values["user"].map { $0 + "@" } ?? ""
        let host = values["host"] ?? values["hostaddr"] ?? "localhost"
        let port = values["port"].map { ":" + $0 } ?? ""
        redacted = "postgresql://\(user)\(host)\(port)/\(values["dbname"] ?? "")"
    }

    public var description: String { redacted }

    /// libpq's parse errors quote the URL, or the token it choked on, which
    /// may be the password: both are replaced.
    static func hidingSecrets(of text: String, in message: String) -> String {
        var out = message.replacingOccurrences(of: text, with: firstPart(of: text))
        if let scheme = text.range(of: "://"), let at = text[scheme.upperBound...].lastIndex(of: "@") {
            let userInfo = text[scheme.upperBound..<at]
            if let colon = userInfo.firstIndex(of: ":") {
                let password = String(userInfo[userInfo.index(after: colon)...])
                if !password.isEmpty { out = out.replacingOccurrences(of: password, with: "…") }
            }
        }
        return out
    }

    /// Up to the `@` (which may follow a password), for a message about a
    /// URL that did not parse.
    static func firstPart(of text: String) -> String {
        guard let at = text.lastIndex(of: "@") else { return "\"\(text.prefix(60))\"" }
        let scheme = text.range(of: "://").map { String(text[..<$0.upperBound]) } ?? ""
        return "\"\(scheme)…\(text[at...].prefix(60))\""
    }
}

/// Something PostgreSQL or libpq said went wrong, as one line; with the
/// SQLSTATE when the server sent one.
public struct PostgresError: Error, CustomStringConvertible, Equatable {
    public let description: String
    public let sqlState: String?
    /// The server could not be reached, or the connection dropped: worth
    /// trying again (the connection resets itself on its next use).
    public let connectionLost: Bool
    public init(_ line: String, sqlState: String? = nil, connectionLost: Bool = false) {
        description = line; self.sqlState = sqlState; self.connectionLost = connectionLost
    }
}

/// libpq's messages run over several lines ("…failed: Connection
/// refused\n\tIs the server running…"): the first says it.
func oneLine(_ message: String) -> String {
    let first = message.split(whereSeparator: \.isNewline).first.map(String.init) ?? message
    var s = Substring(first)
    while let c = s.last, c.isWhitespace { s.removeLast() }
    while let c = s.first, c.isWhitespace { s.removeFirst() }
    return String(s)
}
