import Logging
import Tickwork
import TickworkLink
import TickworkJobFile

extension CommandControls {
    /// The dashboard's view of a loaded job file: each job's runs and
    /// output, the kill key, and reload.
    init(session: JobFileSession, logger: Logger) {
        self.init(
            history: { session.log.history($0) },
            kill: { id in
                let name = session.engine.info(id)?.name ?? "\(id)"
                guard let group = session.log.kill(id) else { return (false, "\(name) (\(id)) runs no process now") }
                logger.notice("killed a command's process group", metadata: ["job": "\(name)", "pgid": "\(group)"])
                return (true, "\(name) (\(id)): SIGKILL sent to process group \(group)")
            },
            stop: { id in
                let name = session.engine.info(id)?.name ?? "\(id)"
                return session.log.requestStop(id)
                    ? (true, "\(name) (\(id)): its process group stops (SIGSTOP) while paused; p resumes and continues it")
                    : (false, "\(name) (\(id)) runs no process now")
            },
            reload: {
                let result = session.reloadResult()
                logger.notice("job file reload", metadata: ["result": "\(result.message)"])
                return result
            })
    }
}
