/// Comparing and searching job names without allocating: a job window over a
/// million names compares or searches every one, and `lowercased()` or
/// `localizedStandardCompare` per name took seconds there (measured with
/// `tickwork bench --observe-hz`). ASCII letters fold case; other bytes
/// compare as they are. Pure functions, any thread.
enum TextOrder {
    /// Natural order: case folded, runs of digits by their value
    /// (`job-9` < `job-10`); ties broken by the bytes, so two different
    /// names never compare equal.
    /// -1, 0 or 1 in natural order (0 only for equal bytes).
    static func compare(_ a: String, _ b: String) -> Int {
        withBytes(a) { x in withBytes(b) { y in compare(x, y) } }
    }

    /// -1, 0 or 1: `a` against the UTF-8 bytes `b`, in natural order.
    static func compare(_ a: String, _ b: [UInt8]) -> Int {
        withBytes(a) { x in b.withUnsafeBufferPointer { y in compare(x, y) } }
    }

    /// Whether `haystack` contains `needle` (already lowercased ASCII bytes), folding ASCII case.
    static func contains(_ haystack: String, lowercasedNeedle needle: [UInt8]) -> Bool {
        guard !needle.isEmpty else { return true }
        return withBytes(haystack) { h in
            guard h.count >= needle.count else { return false }
            let first = needle[0]
            var i = 0
            let last = h.count - needle.count
            while i <= last {
                if fold(h[i]) == first {
                    var k = 1
                    while k < needle.count && fold(h[i + k]) == needle[k] { k += 1 }
                    if k == needle.count { return true }
                }
                i += 1
            }
            return false
        }
    }

    /// The bytes to search for: the text in UTF-8, ASCII letters lowercased.
    static func needle(_ text: String) -> [UInt8] { text.utf8.map(fold) }

    @inline(__always) static func fold(_ c: UInt8) -> UInt8 { c >= 65 && c <= 90 ? c + 32 : c }
    @inline(__always) private static func isDigit(_ c: UInt8) -> Bool { c >= 48 && c <= 57 }

    @inline(__always)
    private static func withBytes<R>(_ s: String, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        if let r = s.utf8.withContiguousStorageIfAvailable(body) { return r }
        var s = s   // made contiguous: one copy, for a bridged or lazy string
        return s.withUTF8(body)
    }

    /// -1, 0, 1 in natural order, then by bytes.
    private static func compare(_ x: UnsafeBufferPointer<UInt8>, _ y: UnsafeBufferPointer<UInt8>) -> Int {
        // A shared prefix compares equal, token by token: skip it, backing up
        // to the start of a run of digits it ends in (the run's value is
        // compared whole). Names against a window's boundary mostly share
        // a long prefix (`bench-…`, `host-web-…`).
        let shorter = Swift.min(x.count, y.count)
        var k = 0
        while k < shorter && x[k] == y[k] { k += 1 }
        while k > 0 && isDigit(x[k - 1]) { k -= 1 }
        var i = k, j = k
        while i < x.count && j < y.count {
            let a = x[i], b = y[j]
            if isDigit(a) && isDigit(b) {
                // Skip leading zeros, then the longer run of digits is larger;
                // equal lengths compare digit by digit.
                var i0 = i, j0 = j
                while i0 < x.count && x[i0] == 48 { i0 += 1 }
                while j0 < y.count && y[j0] == 48 { j0 += 1 }
                var i1 = i0, j1 = j0
                while i1 < x.count && isDigit(x[i1]) { i1 += 1 }
                while j1 < y.count && isDigit(y[j1]) { j1 += 1 }
                if i1 - i0 != j1 - j0 { return i1 - i0 < j1 - j0 ? -1 : 1 }
                var p = i0, q = j0
                while p < i1 {
                    if x[p] != y[q] { return x[p] < y[q] ? -1 : 1 }
                    p += 1; q += 1
                }
                i = i1; j = j1
                continue
            }
            let fa = fold(a), fb = fold(b)
            if fa != fb { return fa < fb ? -1 : 1 }
            i += 1; j += 1
        }
        if x.count - i != y.count - j { return x.count - i < y.count - j ? -1 : 1 }
        // Equal in natural order: the bytes decide (`a` and `A`, `7` and `07`).
        let n = Swift.min(x.count, y.count)
        for k in 0..<n where x[k] != y[k] { return x[k] < y[k] ? -1 : 1 }
        return x.count == y.count ? 0 : (x.count < y.count ? -1 : 1)
    }
}
