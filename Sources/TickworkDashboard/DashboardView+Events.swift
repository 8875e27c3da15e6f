import TickworkModel

extension DashboardView {
    /// Recent engine events, newest at the bottom; failures stand out.
    static func renderEvents(_ screen: inout Screen, _ state: DashboardState, _ layout: DashboardLayout) {
        let g = state.glyphs
        var title = "events"
        if state.eventScroll > 0 { title += " (\(state.eventScroll) back)" }
        if state.missedEvents > 0 { title += " \(g.bullet) \(Format.grouped(Int(state.missedEvents))) dropped" }
        let inner = screen.box(layout.events, title: title, focused: state.focus == .events, g)
        guard inner.height >= 1, let frame = state.shown else { return }
        let startNs = frame.snapshot.takenAtNs - frame.snapshot.uptimeNs
        let events = state.shownEvents
        let end = max(0, events.count - state.eventScroll)
        let shown = events[max(0, end - inner.height)..<end]
        for (row, e) in shown.enumerated() {
            let y = inner.y + row
            var x = inner.x
            x += screen.put(stamp(e.atNs - startNs) + " ", x: x, y: y, style: .dim)
            x += screen.put(Format.fit(e.kind.rawValue, 10, g) + " ", x: x, y: y, style: eventStyle(e.kind))
            x += screen.put(e.name, x: x, y: y, style: .bold, limit: inner.maxX - x)
            if !e.message.isEmpty && x + 3 < inner.maxX {
                screen.put("  " + e.message, x: x, y: y, style: eventStyle(e.kind) == .error ? .error : .dim,
                           limit: inner.maxX - x)
            }
        }
    }

    /// Time since start with tenths: `2:05.3`.
    static func stamp(_ ns: Int64) -> String {
        let tenths = max(0, ns) / 100_000_000 % 10
        return Format.clock(ns) + ".\(tenths)"
    }

    static func eventStyle(_ k: EngineEvent.Kind) -> Style {
        switch k {
        case .failed, .stuck: return .error
        case .overflow, .missed, .workerReplaced, .clockChanged: return .warn
        case .cancelled, .paused, .queuePaused: return .paused
        case .retired, .resumed, .queueResumed: return .ok
        default: return .dim
        }
    }
}
