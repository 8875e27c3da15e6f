import Logging
import TickworkDashboard
import TickworkDemos

extension DemoControls {
    /// The dashboard's view of a demo host: the catalog for its menu, each
    /// demo's figures as a panel, launch and stop by name.
    init(host: DemoHost, logger: Logger) {
        self.init(
            catalog: DemoCatalog.all.map { DemoListing(name: $0.name, summary: $0.summary) },
            panels: {
                host.reports().map { r in
                    DemoPanel(name: r.name, status: r.phase.word, items: r.figures.map(Self.item))
                }
            },
            launch: { name in
                do {
                    let line = try host.launch(name)
                    logger.info("demo started", metadata: ["demo": "\(name)"])
                    return line
                } catch {
                    logger.warning("demo not started", metadata: ["demo": "\(name)", "why": "\(error)"])
                    return "\(error)"
                }
            },
            stop: { name in
                logger.info("demo stopping", metadata: ["demo": "\(name)"])
                return host.stop(name)
            })
    }

    /// One figure as the panel shows it: counts grouped like every other
    /// number on screen (`jobs 1,000,000`), a counted message as `2× message`.
    static func item(_ f: DemoFigure) -> String {
        DemoPanel.item(label: f.label, value: f.value, isMessage: f.isMessage)
    }
}
