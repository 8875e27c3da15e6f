/// The characters the view draws with: Unicode box drawing and blocks, or
/// plain ASCII when the locale is not UTF-8 (`LANG=C`), where the Unicode
/// glyphs would come out blank or garbled.
public struct Glyphs: Sendable, Equatable {
    public var horizontal, vertical, topLeft, topRight, bottomLeft, bottomRight: Unicode.Scalar
    public var barFull: Unicode.Scalar
    public var barEmpty: Unicode.Scalar
    /// Sparkline levels, lowest first.
    public var levels: [Unicode.Scalar]
    public var up: String, down: String, ellipsis: String, bullet: String, micro: String, dash: String

    public static let unicode = Glyphs(
        horizontal: "─", vertical: "│", topLeft: "┌", topRight: "┐", bottomLeft: "└", bottomRight: "┘",
        barFull: "█", barEmpty: "░", levels: ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"],
        up: "▲", down: "▼", ellipsis: "…", bullet: "●", micro: "µ", dash: "—")

    public static let ascii = Glyphs(
        horizontal: "-", vertical: "|", topLeft: "+", topRight: "+", bottomLeft: "+", bottomRight: "+",
        barFull: "#", barEmpty: ".", levels: ["_", ".", "-", "=", "^", "*", "#", "#"],
        up: "^", down: "v", ellipsis: "~", bullet: "*", micro: "u", dash: "-")
}
