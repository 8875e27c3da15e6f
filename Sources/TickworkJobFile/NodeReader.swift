import Foundation
import Yams

/// Reads values out of a YAML node tree and collects every problem with
/// its line and column, so one pass reports them all. Owned by one parse.
struct NodeReader {
    let path: String
    var problems: [JobFileProblem] = []

    init(path: String) { self.path = path }

    mutating func problem(at node: Node?, _ message: String) {
        let mark = node?.mark
        problems.append(JobFileProblem(path: path, line: mark?.line ?? 1, column: mark?.column ?? 1, message: message))
    }

    /// A mapping's entries by key, after reporting keys not in `allowed`
    /// (with the closest allowed key) and keys that are not plain words.
    mutating func entries(of node: Node, what: String, allowed: [String]) -> [String: (key: Node, value: Node)]? {
        guard let mapping = node.mapping else {
            problem(at: node, "\(what) must be a mapping of keys (\(allowed.prefix(4).map { $0 + ":" }.joined(separator: ", ")) …)")
            return nil
        }
        var result: [String: (key: Node, value: Node)] = [:]
        for (key, value) in mapping {
            guard let name = key.scalar?.string else { problem(at: key, "\(what) has a key that is not a word"); continue }
            guard allowed.contains(name) else {
                let hint = didYouMean(name, among: allowed).map { "; did you mean \"\($0)\"?" }
                    ?? "; known keys: " + allowed.joined(separator: ", ")
                problem(at: key, "unknown key \"\(name)\" in \(what)" + hint)
                continue
            }
            result[name] = (key, value)
        }
        return result
    }

    /// A scalar's text; a problem for a list, a mapping or an empty value.
    mutating func text(_ node: Node, key: String) -> String? {
        guard let scalar = node.scalar else {
            problem(at: node, "\(key) must be a single value, not a \(node.mapping != nil ? "mapping" : "list")")
            return nil
        }
        if node.null != nil && scalar.style == .plain {
            problem(at: node, "\(key) has no value")
            return nil
        }
        return scalar.string
    }

    mutating func int(_ node: Node, key: String, range: ClosedRange<Int>) -> Int? {
        guard let s = text(node, key: key) else { return nil }
        guard let n = Int(s.replacingOccurrences(of: "_", with: "")) else {
            problem(at: node, "\(key) must be a whole number \(range.lowerBound)…\(range.upperBound) (got \"\(s)\")")
            return nil
        }
        guard range.contains(n) else {
            problem(at: node, "\(key) must be \(range.lowerBound)…\(range.upperBound) (got \(n))")
            return nil
        }
        return n
    }

    /// A duration; `positive` refuses zero.
    mutating func duration(_ node: Node, key: String, positive: Bool) -> Int64? {
        guard let s = text(node, key: key) else { return nil }
        switch ValueText.duration(s) {
        case .failure(let message): problem(at: node, "\(key): \(message)"); return nil
        case .success(let ns):
            if positive && ns <= 0 { problem(at: node, "\(key) must be longer than 0 (got \(s))"); return nil }
            return ns
        }
    }

    mutating func bool(_ node: Node, key: String) -> Bool? {
        guard let s = text(node, key: key) else { return nil }
        guard let b = ValueText.bool(s) else { problem(at: node, "\(key) must be true or false (got \"\(s)\")"); return nil }
        return b
    }

    /// One of `choices` (written with `_` or `-`).
    mutating func choice<T>(_ node: Node, key: String, _ choices: [(String, T)]) -> T? {
        guard let s = text(node, key: key) else { return nil }
        let normal = s.replacingOccurrences(of: "-", with: "_").lowercased()
        if let hit = choices.first(where: { $0.0 == normal }) { return hit.1 }
        let names = choices.map(\.0)
        let hint = didYouMean(normal, among: names).map { "; did you mean \"\($0)\"?" } ?? ""
        problem(at: node, "\(key) must be one of \(names.joined(separator: ", ")) (got \"\(s)\")\(hint)")
        return nil
    }

    /// A list of scalars (a command's argv).
    mutating func words(_ node: Node, key: String) -> [String]? {
        guard let sequence = node.sequence else {
            problem(at: node, "\(key) must be a list of words, e.g. [\"df\", \"-h\"]")
            return nil
        }
        var words: [String] = []
        for item in sequence {
            guard let word = item.scalar?.string else {
                problem(at: item, "each word of \(key) must be a single value, not a \(item.mapping != nil ? "mapping" : "list")")
                return nil
            }
            words.append(word)
        }
        return words
    }
}
