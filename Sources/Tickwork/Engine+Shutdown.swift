/// Shutting down within a deadline.
extension Engine {
    /// Stops the timer, cancels queued runs, tells running ones (their
    /// contexts report cancelled, sleeps wake), and waits for the threads up
    /// to `deadline`. Returns what it abandoned. No run starts once it has
    /// begun: a worker that took a run from a queue just before the queues
    /// closed drops it (it is listed with the cancelled queued runs). Safe
    /// to call twice (the second call reports nothing new).
    @discardableResult
    public func shutdown(deadline: Duration = .seconds(5)) -> ShutdownReport {
        let started = clock.now()
        let realStart = monotonicNanoseconds()
        let alreadyDown = isShuttingDown
        let began = setShuttingDown()
        let queued: [RunItem] = dispatch.lock.withLock {
            dispatch.stopping = true
            var all: [RunItem] = []
            for i in dispatch.queues.indices { all += dispatch.queues[i].removeAll() }
            for w in dispatch.workers { w.wakeCondition.signal() }
            return all
        }
        // Only now wake the timer and the sleepers: a worker freed by a woken
        // sleeper must find the queues already closed.
        due.lock.withLock {
            due.stopping = true
            due.timerCondition.broadcast()
            for w in due.sleepers { wakeLocked(w) }
            due.settleCondition.broadcast()
        }
        var cancelledQueued: [JobID] = []
        // Each removed run was in flight; close them all (stale ones too).
        if !queued.isEmpty { due.lock.withLock { due.finishLocked(queued.count) } }
        for item in queued {
            let job = item.job
            let changed: Bool = stripes[job.stripe].withLock {
                guard let outcome = JobLifecycle.apply(.shutdown, to: job.lifecycle) else { return false }
                job.lifecycle = outcome.fields   // its event is in the batch below
                return true
            }
            if changed {
                registryLock.withLock { controlTally.move(.queued, .cancelled) }
                cancelledQueued.append(job.id)
            }
        }
        recordCancelledAtShutdown(cancelledQueued, at: clock.now())
        // Wait for the threads, in real time: the deadline is a promise to the caller.
        let deadlineReal = realStart + Swift.max(0, deadline.nanoseconds)
        dispatch.lock.withLock {
            while liveThreads > 0 {
                if !threadsExited.wait(dispatch.lock, untilMonotonicNs: deadlineReal) { break }
            }
        }
        // Runs a worker took from a queue just before it closed, and dropped at their start.
        cancelledQueued += runsDroppedAtShutdown().filter { !cancelledQueued.contains($0) }
        var running: [JobID] = []
        var abandonedThreads = 0
        dispatch.lock.withLock {
            abandonedThreads = liveThreads
            for w in dispatch.workers + writtenOffWorkers {
                if let id = w.statsLock.withLock({ w.currentJob?.id }) { running.append(id) }
            }
        }
        cancelUndeliveredWork()
        if !alreadyDown {
            events.record(.shutdown, at: clock.now(), name: "engine",
                          message: "\(cancelledQueued.count) queued runs cancelled, \(running.count) runs abandoned", cause: .shutdown)
        }
        let joined = alreadyDown ? 0 : Swift.max(0, configurationThreadCount - abandonedThreads)
        return ShutdownReport(beganAtNs: began, cancelledQueued: cancelledQueued, abandonedRunning: running,
                              joinedThreads: joined, abandonedThreads: abandonedThreads,
                              elapsedNs: clock.isManual ? monotonicNanoseconds() - realStart : clock.now() - started)
    }

    /// Threads started so far that a shutdown waits for (timer + workers).
    var configurationThreadCount: Int { dispatch.lock.withLock { Int(nextWorkerIndex) + 1 } }
}

extension Engine {
    /// The queued runs shutdown cancelled, in the stream: up to 16 an event
    /// each, more as one event that counts them all (as a bulk submission).
    fileprivate func recordCancelledAtShutdown(_ ids: [JobID], at now: Int64) {
        guard ids.count > 16 else {
            for id in ids {
                let name = registryLock.withLock { jobs[id.slot]?.name } ?? ""
                events.record(.cancelled, at: now, job: id, name: name, from: .queued, to: .cancelled, cause: .shutdown)
            }
            return
        }
        events.record(.cancelled, at: now, name: "\(ids.count) queued runs", from: .queued, to: .cancelled,
                      cause: .shutdown, count: ids.count)
    }
}
