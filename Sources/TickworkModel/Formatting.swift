// How every view writes counts and spans: one place, so a screen, a report
// and a log line never disagree.

/// A count with thousands separators: `22,888,896`.
public func formatGrouped(_ n: Int) -> String {
    let digits = String(n.magnitude)
    var out = ""
    for (i, c) in digits.enumerated() {
        if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
        out.append(c)
    }
    return (n < 0 ? "-" : "") + out
}

/// A short human form of a nanosecond span: 250ms, 1.5s, 2m30s, 3h.
public func formatNanoseconds(_ ns: Int64) -> String {
    let a = ns == .min ? Int64.max : Swift.abs(ns)
    let sign = ns < 0 ? "-" : ""
    if a < 1_000 { return "\(sign)\(a)ns" }
    if a < 1_000_000 { return sign + trimmed(Double(a) / 1e3) + "µs" }
    if a < 1_000_000_000 { return sign + trimmed(Double(a) / 1e6) + "ms" }
    if a < 60_000_000_000 { return sign + trimmed(Double(a) / 1e9) + "s" }
    let totalSeconds = a / 1_000_000_000
    if totalSeconds < 3600 {
        let m = totalSeconds / 60, s = totalSeconds % 60
        return sign + (s == 0 ? "\(m)m" : "\(m)m\(s)s")
    }
    let h = totalSeconds / 3600, m = (totalSeconds % 3600) / 60
    return sign + (m == 0 ? "\(h)h" : "\(h)h\(m)m")
}

private func trimmed(_ v: Double) -> String {
    // One decimal below 10, none above: "1.5", "12", "250".
    if v < 10 {
        let r = (v * 10).rounded() / 10
        return r == r.rounded() ? String(Int(r)) : String(r)
    }
    return String(Int(v.rounded()))
}
