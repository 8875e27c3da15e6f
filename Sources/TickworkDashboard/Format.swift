import TickworkModel
/// Compact, fixed-vocabulary number formats for narrow columns.
public enum Format {
    /// A duration: `820µs`, `4.2ms`, `340ms`, `1.25s`, `12.3s`, `4m05s`, `2h03m`.
    /// Lines broken at spaces so none is wider than `width` (a word longer
    /// than that is cut): a notice that fits any terminal.
    public static func wrap(_ lines: [String], width: Int) -> [String] {
        var out: [String] = []
        for line in lines {
            var current = ""
            for word in line.split(separator: " ") {
                let candidate = current.isEmpty ? String(word) : current + " " + word
                if Screen.columns(of: candidate) <= width { current = candidate; continue }
                if !current.isEmpty { out.append(current) }
                current = String(word.prefix(width))
            }
            out.append(current)
        }
        return out
    }

    public static func duration(_ ns: Int64, _ g: Glyphs = .unicode) -> String {
        let neg = ns < 0
        let v = neg ? -ns : ns
        let text: String
        if v < 1_000_000 { text = "\(v / 1000)\(g.micro)s" }
        else if v < 10_000_000 { text = fixed(Double(v) / 1e6, 1) + "ms" }
        else if v < 1_000_000_000 { text = "\(v / 1_000_000)ms" }
        else if v < 10_000_000_000 { text = fixed(Double(v) / 1e9, 2) + "s" }
        else if v < 60_000_000_000 { text = fixed(Double(v) / 1e9, 1) + "s" }
        else if v < 3_600_000_000_000 {
            let s = v / 1_000_000_000
            text = "\(s / 60)m" + pad2(s % 60) + "s"
        } else {
            let m = v / 60_000_000_000
            text = "\(m / 60)h" + pad2(m % 60) + "m"
        }
        return neg ? "-" + text : text
    }

    /// An uptime clock: `12:03` or `1:02:03`.
    public static func clock(_ ns: Int64) -> String {
        let s = max(0, ns / 1_000_000_000)
        return s >= 3600 ? "\(s / 3600):" + pad2(s / 60 % 60) + ":" + pad2(s % 60) : "\(s / 60):" + pad2(s % 60)
    }

    /// A count in at most 5 columns: `999`, `12.3k`, `123k`, `1.2M`.
    public static func count(_ n: Int) -> String {
        let v = abs(n), sign = n < 0 ? "-" : ""
        if v < 10_000 { return "\(n)" }
        if v < 100_000 { return sign + fixed(Double(v) / 1e3, 1) + "k" }
        if v < 1_000_000 { return sign + "\(v / 1000)k" }
        if v < 100_000_000 { return sign + fixed(Double(v) / 1e6, 1) + "M" }
        return sign + "\(v / 1_000_000)M"
    }

    /// A count with thousands separators: `1,234,567`.
    public static func grouped(_ n: Int) -> String { formatGrouped(n) }

    /// A percentage, whole: `42%`.
    public static func percent(_ fraction: Double) -> String {
        guard fraction.isFinite else { return "-" }
        return "\(Int((min(max(fraction, 0), 9.99) * 100).rounded()))%"
    }

    /// A rate: `1,234/s` or `0.5/s`.
    public static func rate(_ perSecond: Double) -> String {
        guard perSecond.isFinite else { return "-" }
        return perSecond < 10 ? fixed(perSecond, 1) + "/s" : grouped(Int(perSecond.rounded())) + "/s"
    }

    /// `value` with `decimals` digits after the point (no Foundation).
    public static func fixed(_ value: Double, _ decimals: Int) -> String {
        guard value.isFinite else { return "-" }
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        let scaled = Int64((abs(value) * scale).rounded())
        let whole = scaled / Int64(scale), frac = scaled % Int64(scale)
        var fracText = decimals > 0 ? String(frac) : ""
        while fracText.count < decimals { fracText = "0" + fracText }
        return (value < 0 && scaled != 0 ? "-" : "") + "\(whole)" + (decimals > 0 ? "." + fracText : "")
    }

    /// Pads or clips `text` to exactly `width` columns; clipped text ends in
    /// an ellipsis so a cut name is never mistaken for a whole one.
    public static func fit(_ text: String, _ width: Int, alignRight: Bool = false, _ g: Glyphs = .unicode) -> String {
        guard width > 0 else { return "" }
        let cols = Screen.columns(of: text)
        if cols <= width {
            let pad = String(repeating: " ", count: width - cols)
            return alignRight ? pad + text : text + pad
        }
        var out = "", used = 0
        for s in text.unicodeScalars {
            let w = Screen.columns(of: s)
            if used + w > width - 1 { break }
            out.unicodeScalars.append(s); used += w
        }
        return out + g.ellipsis + String(repeating: " ", count: max(0, width - used - 1))
    }

    private static func pad2(_ v: Int64) -> String { v < 10 ? "0\(v)" : "\(v)" }
}
