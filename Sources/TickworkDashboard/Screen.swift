/// What a cell on screen means; the terminal backend maps each style to
/// colours and attributes (or to attributes only, under NO_COLOR).
public enum Style: UInt8, Sendable, CaseIterable {
    case normal, dim, bold, title, header, selected, focusTitle
    case running, sleeping, idle, paused, warn, error, ok, banner, barFill, barEmpty, key
}

/// One terminal column. A wide character occupies its cell and the next,
/// which holds `Cell.continuation` and is skipped when drawn.
public struct Cell: Equatable, Sendable {
    public var scalar: Unicode.Scalar
    public var style: Style
    public init(_ scalar: Unicode.Scalar, _ style: Style = .normal) { self.scalar = scalar; self.style = style }
    public static let blank = Cell(" ")
    public static let continuationScalar: Unicode.Scalar = "\u{0}"
    public var isContinuation: Bool { scalar == Cell.continuationScalar }
}

/// A grid of cells: the whole output of the pure view, compared row by row
/// by the terminal backend so that only changed rows are sent.
/// Value type, owned by whoever made it (the main loop, or a test).
public struct Screen: Equatable, Sendable {
    public let width: Int
    public let height: Int
    public private(set) var cells: [Cell]

    public init(width: Int, height: Int) {
        self.width = max(0, width)
        self.height = max(0, height)
        cells = Array(repeating: .blank, count: self.width * self.height)
    }

    public subscript(x: Int, y: Int) -> Cell {
        get { cells[y * width + x] }
        set { if x >= 0, y >= 0, x < width, y < height { cells[y * width + x] = newValue } }
    }

    /// The rows as text (continuation cells dropped): what golden tests compare.
    public var lines: [String] { (0..<height).map { line($0) } }

    public func line(_ y: Int) -> String {
        var s = String.UnicodeScalarView()
        for x in 0..<width where !self[x, y].isContinuation { s.append(self[x, y].scalar) }
        return String(s)
    }

    /// The cells of row `y` (the backend draws runs of one style).
    public func row(_ y: Int) -> ArraySlice<Cell> { cells[(y * width)..<((y + 1) * width)] }

    /// Writes `text` at (x, y), clipped to `limit` columns (and the screen);
    /// returns the number of columns used. Control characters become spaces,
    /// so a job's name can never move the cursor.
    @discardableResult
    public mutating func put(_ text: String, x: Int, y: Int, style: Style = .normal, limit: Int? = nil) -> Int {
        guard y >= 0, y < height, x < width else { return 0 }
        let end = min(width, limit.map { x + max(0, $0) } ?? width)
        var col = x
        for scalar in text.unicodeScalars {
            let w = Screen.columns(of: scalar)
            if w == 0 { continue }
            if col + w > end { break }
            if col >= 0 {
                let shown: Unicode.Scalar = scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) ? " " : scalar
                self[col, y] = Cell(shown, style)
                if w == 2 { self[col + 1, y] = Cell(Cell.continuationScalar, style) }
            }
            col += w
        }
        return col - x
    }

    /// Fills a rectangle with one character and style.
    public mutating func fill(_ rect: Rect, _ scalar: Unicode.Scalar = " ", style: Style = .normal) {
        for y in rect.y..<(rect.y + rect.height) where y >= 0 && y < height {
            for x in rect.x..<(rect.x + rect.width) where x >= 0 && x < width { self[x, y] = Cell(scalar, style) }
        }
    }

    /// Restyles a rectangle, keeping its characters.
    public mutating func restyle(_ rect: Rect, _ style: Style) {
        for y in rect.y..<(rect.y + rect.height) where y >= 0 && y < height {
            for x in rect.x..<(rect.x + rect.width) where x >= 0 && x < width { cells[y * width + x].style = style }
        }
    }

    /// Terminal columns a scalar takes: 0 for combining marks, 2 for East
    /// Asian wide and emoji ranges, else 1 (a small wcwidth, enough for names).
    public static func columns(of s: Unicode.Scalar) -> Int {
        let v = s.value
        switch v {
        case 0x0300...0x036F, 0x200B...0x200F, 0xFE00...0xFE0F: return 0
        case 0x1100...0x115F, 0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF, 0x4E00...0x9FFF,
             0xA000...0xA4CF, 0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE30...0xFE4F, 0xFF00...0xFF60,
             0xFFE0...0xFFE6, 0x1F300...0x1F64F, 0x1F900...0x1F9FF, 0x20000...0x3FFFD: return 2
        default: return 1
        }
    }

    /// Columns a string takes on screen.
    public static func columns(of text: String) -> Int { text.unicodeScalars.reduce(0) { $0 + columns(of: $1) } }
}

/// A rectangle of cells.
public struct Rect: Equatable, Sendable {
    public var x: Int, y: Int, width: Int, height: Int
    public init(x: Int, y: Int, width: Int, height: Int) {
        self.x = x; self.y = y; self.width = max(0, width); self.height = max(0, height)
    }
    /// The area inside a one-cell border.
    public var inner: Rect { Rect(x: x + 1, y: y + 1, width: width - 2, height: height - 2) }
    public var maxY: Int { y + height }
    public var maxX: Int { x + width }
}
