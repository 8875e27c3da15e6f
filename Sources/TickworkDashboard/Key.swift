/// A key press, decoded by the terminal backend; the model never sees raw
/// codes. Ctrl-C is not here: it arrives as SIGINT (the terminal is in
/// cbreak mode) and becomes `DashboardMessage.interrupt`.
public enum Key: Equatable, Sendable {
    case char(Character)
    case up, down, left, right, pageUp, pageDown, home, end
    case tab, backTab, enter, escape, backspace
    case function(Int)
    case ctrl(Character)
}
