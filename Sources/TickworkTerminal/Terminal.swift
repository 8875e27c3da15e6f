#if canImport(Glibc)
import Glibc
#endif
internal import CNcursesw
import CTerminalRescue
import TickworkDashboard

/// The only code that calls ncurses. Main-actor isolated, so the compiler
/// refuses a call from any other thread; the main loop is its sole user.
/// It draws `Screen`s (sending only the rows that changed) and decodes keys.
@MainActor
final class Terminal {
    private let color: Bool
    private var previous: Screen?
    private var screenPointer: OpaquePointer?
    private(set) var width: Int = 0
    private(set) var height: Int = 0
    private var attrs: [Style: (attr_t, Int16)] = [:]

    /// Takes over the terminal (alternate screen, cbreak, no echo, keypad).
    /// Call `TerminalCheck.problem()` first: this assumes a usable terminal.
    init(color wantsColor: Bool) throws {
        _ = twr_save_modes(1)
        // newterm, not initscr: initscr exits the process on a bad terminal.
        guard let out = fdopen(1, "w"), let input = fdopen(0, "r"), let screen = newterm(nil, out, input) else {
            throw TerminalError.cannotOpen
        }
        screenPointer = screen
        _ = set_term(screen)
        cbreak()              // not raw: Ctrl-C still raises SIGINT, Ctrl-Z SIGTSTP
        noecho()
        _ = keypad(nc_stdscr(), true)
        _ = nodelay(nc_stdscr(), true)
        _ = curs_set(0)
        _ = set_escdelay(25)
        color = wantsColor && has_colors()
        if color {
            _ = start_color()
            _ = use_default_colors()
        }
        setUpStyles()
        armCrashRescue()
        width = Int(getmaxx(nc_stdscr())); height = Int(getmaxy(nc_stdscr()))
    }

    /// Bytes that undo what curses did, written by the fatal-signal handler
    /// (a crash skips endwin): leave the alternate screen, show the cursor,
    /// reset attributes.
    private func armCrashRescue() {
        var bytes = ""
        for cap in ["sgr0", "cnorm", "rmcup"] {
            if let s = nc_tigetstr(cap) { bytes += String(cString: s) }
        }
        twr_set_restore_sequence(bytes)
        twr_arm()
    }

    private func setUpStyles() {
        let bold = nc_A_BOLD(), dim = nc_A_DIM(), rev = nc_A_REVERSE(), normal = attr_t(A_NORMAL)
        // Colour pairs: 1 cyan, 2 green, 3 yellow, 4 red, 5 blue, 6 black on yellow, 7 black on cyan.
        let pairs: [(Int16, Int16)] = [(Int16(COLOR_CYAN), -1), (Int16(COLOR_GREEN), -1), (Int16(COLOR_YELLOW), -1),
                                       (Int16(COLOR_RED), -1), (Int16(COLOR_BLUE), -1),
                                       (Int16(COLOR_BLACK), Int16(COLOR_YELLOW)), (Int16(COLOR_BLACK), Int16(COLOR_CYAN))]
        if color { for (i, p) in pairs.enumerated() { _ = init_pair(Int16(i + 1), p.0, p.1) } }
        func c(_ attr: attr_t, _ pair: Int16, _ mono: attr_t) -> (attr_t, Int16) { color ? (attr, pair) : (mono, 0) }
        attrs = [
            .normal: (normal, 0), .dim: (dim, 0), .bold: (bold, 0),
            .title: c(bold, 1, bold), .header: c(bold, 0, bold), .selected: (rev, 0), .focusTitle: c(bold, 3, bold | rev),
            .running: c(bold, 2, bold), .sleeping: c(normal, 5, normal), .idle: (dim, 0), .paused: c(normal, 3, normal),
            .warn: c(bold, 3, bold), .error: c(bold, 4, bold), .ok: c(normal, 2, normal), .banner: c(bold, 6, bold | rev),
            .barFill: c(normal, 2, normal), .barEmpty: (dim, 0), .key: c(bold, 1, bold),
        ]
    }

    /// Draws `screen`, sending only rows that differ from the last one drawn.
    func draw(_ screen: Screen) {
        let full = previous == nil || previous!.width != screen.width || previous!.height != screen.height
        if full { _ = erase() }
        var run: [wchar_t] = []
        for y in 0..<screen.height {
            let row = screen.row(y)
            if !full, let p = previous, p.row(y) == row { continue }
            var x = 0, runStart = 0
            var style = row.first?.style ?? .normal
            run.removeAll(keepingCapacity: true)
            func flush() {
                guard !run.isEmpty else { return }
                let (a, pair) = attrs[style] ?? (attr_t(A_NORMAL), 0)
                _ = wattr_set(nc_stdscr(), a, pair, nil)
                // The bottom-right cell returns ERR (the cursor cannot advance): harmless.
                _ = mvaddnwstr(Int32(y), Int32(runStart), run, Int32(run.count))
                run.removeAll(keepingCapacity: true)
            }
            for cell in row {
                defer { x += 1 }
                if cell.isContinuation { continue }
                if cell.style != style { flush(); style = cell.style; runStart = x }
                if run.isEmpty { runStart = x }
                run.append(wchar_t(bitPattern: cell.scalar.value))
            }
            flush()
        }
        _ = wattr_set(nc_stdscr(), attr_t(A_NORMAL), 0, nil)
        _ = refresh()
        previous = screen
    }

    /// Forgets what is on screen so the next draw repaints everything (Ctrl-L).
    func invalidate() {
        previous = nil
        _ = clearok(nc_curscr(), true)
    }

    /// Keys waiting on stdin, decoded; a resize updates `width`/`height`.
    func readKeys() -> (keys: [Key], resized: Bool) {
        var keys: [Key] = []
        var resized = false
        var ch: wint_t = 0
        while true {
            let rc = wget_wch(nc_stdscr(), &ch)
            if rc == ERR { break }
            if rc == KEY_CODE_YES {
                switch Int32(ch) {
                case KEY_RESIZE:
                    resized = true
                    width = Int(getmaxx(nc_stdscr())); height = Int(getmaxy(nc_stdscr()))
                case KEY_UP: keys.append(.up)
                case KEY_DOWN: keys.append(.down)
                case KEY_LEFT: keys.append(.left)
                case KEY_RIGHT: keys.append(.right)
                case KEY_PPAGE: keys.append(.pageUp)
                case KEY_NPAGE: keys.append(.pageDown)
                case KEY_HOME: keys.append(.home)
                case KEY_END: keys.append(.end)
                case KEY_BTAB: keys.append(.backTab)
                case KEY_ENTER: keys.append(.enter)
                case KEY_BACKSPACE: keys.append(.backspace)
                default:
                    for n in 1...12 where Int32(ch) == nc_KEY_F(Int32(n)) { keys.append(.function(n)) }
                }
                continue
            }
            switch ch {
            case 9: keys.append(.tab)
            case 10, 13: keys.append(.enter)
            case 27: keys.append(.escape)
            case 8, 127: keys.append(.backspace)
            case 1...26: keys.append(.ctrl(Character(Unicode.Scalar(UInt8(ch) + 96))))
            default:
                if let s = Unicode.Scalar(UInt32(ch)) { keys.append(.char(Character(s))) }
            }
        }
        return (keys, resized)
    }

    /// Ctrl-Z: give the terminal back, stop, and take it again on `fg`.
    func suspend() {
        _ = endwin()
        raise(SIGSTOP)          // the whole process stops here until SIGCONT
        invalidate()
        _ = refresh()
        width = Int(getmaxx(nc_stdscr())); height = Int(getmaxy(nc_stdscr()))
    }

    /// Gives the terminal back as it was.
    func restore() {
        _ = endwin()
        twr_disarm()
        if let s = screenPointer { delscreen(s); screenPointer = nil }
    }
}

enum TerminalError: Error, CustomStringConvertible {
    case cannotOpen
    var description: String { "cannot open the terminal" }
}
