import Logging
import TickworkLink
import TickworkModel
import TickworkDemos

extension DemoControls {
    /// The dashboard's view of a demo host: the catalog for its menu, each
    /// demo's figures as a panel, launch and stop by name.
    init(host: DemoHost, logger: Logger) {
        self.init(
            catalog: DemoCatalog.all.map { DemoListing(name: $0.name, summary: $0.summary) },
            panels: {
                host.reports().map { r in
                    DemoPanel(name: r.name, status: r.phase.word, figures: r.figures)
                }
            },
            launch: { name in
                do {
                    let line = try host.launch(name)
                    logger.info("demo started", metadata: ["demo": "\(name)"])
                    return (true, line)
                } catch {
                    logger.warning("demo not started", metadata: ["demo": "\(name)", "why": "\(error)"])
                    return (false, "\(error)")
                }
            },
            stop: { name in
                logger.info("demo stopping", metadata: ["demo": "\(name)"])
                let (stopped, line) = host.stop(name)
                return (stopped, line)
            })
    }
}
