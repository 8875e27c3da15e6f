#if canImport(Glibc)
import Glibc
#endif
internal import CNcursesw

/// Decides, before the engine starts and before curses touches anything,
/// whether there is a terminal the dashboard can draw on.
public enum TerminalCheck {
    /// A sentence naming the problem, or nil when the terminal is usable.
    @MainActor
    public static func problem() -> String? {
        guard isatty(0) == 1 else { return "standard input is not a terminal" }
        guard isatty(1) == 1 else { return "standard output is not a terminal" }
        guard let term = getenv("TERM").map({ String(cString: $0) }), !term.isEmpty else { return "TERM is not set" }
        if term == "dumb" { return "TERM=dumb cannot move the cursor" }
        var err: Int32 = 0
        // setupterm with an error pointer reports instead of exiting.
        if setupterm(nil, 1, &err) != OK { return "TERM=\(term) is not a terminal type this system knows (no terminfo entry)" }
        if nc_tigetstr("cup") == nil { return "TERM=\(term) cannot move the cursor" }
        return nil
    }

    /// True when the locale's character set is UTF-8 (else draw in ASCII).
    public static func localeIsUTF8() -> Bool {
        setlocale(LC_ALL, "")
        guard let cs = nl_langinfo(nl_item(CODESET)) else { return false }
        let name = String(cString: cs).uppercased()
        return name == "UTF-8" || name == "UTF8"
    }
}
