/// One thing wrong with a job file, where it is.
public struct JobFileProblem: Sendable, Equatable, CustomStringConvertible {
    public var path: String
    public var line: Int
    public var column: Int
    public var message: String

    /// `FILE:LINE:COLUMN: message`, as compilers print them (editors jump there).
    public var description: String { "\(path):\(line):\(column): \(message)" }
}

/// A job file that cannot be used, with every problem found in it.
public struct JobFileErrors: Error, Sendable, Equatable, CustomStringConvertible {
    public var problems: [JobFileProblem]
    public var description: String { problems.map(\.description).joined(separator: "\n") }
}

/// The closest of `candidates` to a mistyped word, if one is close enough
/// to be what was meant (edit distance at most 2, or a third of the word).
func didYouMean(_ word: String, among candidates: [String]) -> String? {
    let target = Array(word.lowercased())
    var best: (String, Int)?
    for candidate in candidates {
        let d = editDistance(target, Array(candidate.lowercased()))
        if d <= Swift.max(2, target.count / 3), d < (best?.1 ?? .max) { best = (candidate, d) }
    }
    return best?.0
}

/// Levenshtein distance, with an adjacent swap counted as one edit.
func editDistance(_ a: [Character], _ b: [Character]) -> Int {
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    var before = [Int](repeating: 0, count: b.count + 1)
    var previous = Array(0...b.count)
    var current = [Int](repeating: 0, count: b.count + 1)
    for i in 1...a.count {
        current[0] = i
        for j in 1...b.count {
            let cost = a[i - 1] == b[j - 1] ? 0 : 1
            current[j] = Swift.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] { current[j] = Swift.min(current[j], before[j - 2] + 1) }
        }
        (before, previous, current) = (previous, current, before)
    }
    return previous[b.count]
}
