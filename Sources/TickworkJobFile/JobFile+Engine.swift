import Foundation
import Tickwork
import TickworkProcess
import TickworkStore

extension JobFile {
    /// The shutdown deadline the file's jobs need: the longest TERM-to-KILL
    /// grace, plus a second to reap (at least `minimum`).
    public func shutdownDeadline(atLeast minimum: Duration) -> Duration {
        let longest = jobs.map(\.killAfterNs).max() ?? 0
        return Swift.max(minimum, .nanoseconds(longest) + .seconds(1))
    }

    /// Submits every job (the file's queues must already be the engine's);
    /// jobs marked `paused` are paused at once. Returns the ids by name.
    @discardableResult
    public func submit(to engine: Engine, log: CommandRunLog? = nil, inherited: [String: String] = CommandEnvironment.current(),
                       now: Date = Date(), store: StateStore? = nil, kept: [String: StoredJob] = [:]) throws -> [String: JobID] {
        var ids: [String: JobID] = [:]
        let done = ranOnce(kept: kept, now: now)
        for entry in jobs where !done.contains(entry.name) {
            let id = try engine.submit(try entry.jobSpec(inherited: inherited, now: now, log: log, store: store, kept: kept[entry.name]))
            if let runs = kept[entry.name]?.runs, let log { log.restore(id, command: entry.commandText, runs: runs) }
            if kept[entry.name] == nil { store?.seen(job: entry.name, command: entry.commandText, atWallNs: wallNowNs()) }
            if entry.paused { _ = engine.pause(id) }
            ids[entry.name] = id
        }
        return ids
    }
}

extension JobFile {
    /// One-time `at:` jobs whose instant has passed and which an earlier
    /// server already ran (a state file says so): they are left out, not
    /// run again. One whose instant passed while no server ran runs once.
    public func ranOnce(kept: [String: StoredJob], now: Date) -> Set<String> {
        Set(jobs.filter { entry in
            guard case .at(let date) = entry.when, date <= now else { return false }
            return (kept[entry.name]?.lastRun ?? 0) > 0
        }.map(\.name))
    }
}

extension JobEntry {
    /// One run of this entry for a tick a cluster claimed: a one-time
    /// engine job (in the default queue) whose TICKWORK_DUE is the tick,
    /// whose start and end go to `store`, and which starts its command only
    /// if `mayStart` still says yes.
    public func claimedRunSpec(dueWallNs: Int64, run: Int, store: StateStore, log: CommandRunLog? = nil,
                               inherited: [String: String] = CommandEnvironment.current(),
                               mayStart: @escaping @Sendable () -> Bool) -> JobSpec {
        var body = CommandJob(entry: self, inherited: inherited, log: log, store: store, runBase: run - 1)
        body.claimedDueWallNs = dueWallNs
        body.mayStart = mayStart
        let job = body
        return JobSpec(name: name, group: group, schedule: .once(after: .zero), timeout: nil, priority: priority,
                       backoff: nil) { ctx in try job.run(ctx) }
    }

    /// The engine job that runs this entry's command on its schedule;
    /// with what a store kept of it, its runs number on and its schedule
    /// goes on from its last tick (`Schedule.resuming`).
    func jobSpec(inherited: [String: String], now: Date, log: CommandRunLog?, store: StateStore? = nil,
                 kept: StoredJob? = nil) throws -> JobSpec {
        var schedule: Schedule
        switch when {
        case .every(let period, let startAfter):
            schedule = .every(.nanoseconds(period), missed: missed ?? .skip)
            if let startAfter { schedule = schedule.startingAfter(.nanoseconds(startAfter)) }
        case .fixedDelay(let delay, let startAfter):
            schedule = .fixedDelay(.nanoseconds(delay))
            if let startAfter { schedule = schedule.startingAfter(.nanoseconds(startAfter)) }
        case .cron(let text, let zone):
            let tz = zone.flatMap(TimeZone.init(identifier:)) ?? .current
            schedule = .cron(try CronExpression(parsing: text, timeZone: tz), missed: missed ?? .runOnceLate)
        case .after(let delay):
            schedule = .once(after: .nanoseconds(delay))
        case .at(let date):
            // Checked to be at most 100 years on (JobReader); clamped all the same.
            let seconds = Swift.min(Swift.max(0, date.timeIntervalSince(now)), Double(Schedule.longestSpan.components.seconds))
            let delay = Int64((seconds * 1e9).rounded())
            schedule = .once(after: .nanoseconds(delay))
        }
        if jitterNs > 0 { schedule = schedule.jittered(upTo: .nanoseconds(jitterNs)) }
        if let last = kept?.lastDueWallNs { schedule = schedule.resuming(afterTickAtWallNanoseconds: last) }
        let body = CommandJob(entry: self, inherited: inherited, log: log, store: store, runBase: kept?.lastRun ?? 0)
        return JobSpec(name: name, group: group, queue: queue, schedule: schedule, timeout: nil, priority: priority,
                       backoff: Backoff(initial: .nanoseconds(backoffNs), cap: .nanoseconds(backoffMaxNs)),
                       maxConsecutiveFailures: giveUpAfter, retries: retries) { ctx in try body.run(ctx) }
    }
}
