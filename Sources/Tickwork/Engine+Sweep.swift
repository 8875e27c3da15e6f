import CTickworkLinux

/// Sweeping: turning the jobs collected from the wheel into queued runs. The
/// timer thread sweeps; so does an idle worker that holds the sweeping duty,
/// which then runs what it swept without a thread hand-over.
struct SweepBuffers {
    /// Jobs collected from the wheel, to be dispatched.
    var fired = ContiguousArray<Job>()
    var batch = ContiguousArray<(job: Job, due: Int64)>()
    var refused: [RunItem] = []
    /// Where the batch's jobs will most likely be due next (for prefetching).
    var nextDues: [Int64] = []
}

extension Engine {
    /// Queues a run for each job in `buffers.fired` that is still live and due,
    /// drops stale wheel entries, handles refusals by full queues, and closes
    /// the in-flight count of what did not become a queued run. `publish`
    /// records the state moves in the sweeping thread's tally. Returns the
    /// number of runs queued.
    func dispatchFired(now: Int64, buffers: inout SweepBuffers, publish: (inout StateTally) -> Void) -> Int {
        var fired = ContiguousArray<Job>()
        swap(&fired, &buffers.fired)
        var stale = 0, finished = 0
        defer {
            // Handed back empty, keeping a working size; a one-off flood (a
            // backlog after a stall) does not stay allocated.
            fired.removeAll(keepingCapacity: fired.capacity <= 4096)
            swap(&fired, &buffers.fired)
            // Finished jobs' entries are gone now: often their last references.
            if finished > 0 { noteReleased(finished) }
        }
        // At scale every fired job is cold memory: three cache lines (168
        // bytes). Ask for them all first, so the CPU overlaps the misses,
        // instead of paying one at a time under each lock below. The loop
        // reads the references raw: a retain is an atomic, which would wait
        // for each miss in turn.
        fired.withUnsafeBufferPointer { jobs in
            guard let base = jobs.baseAddress else { return }
            let raw = UnsafeRawPointer(base)
            for k in 0..<jobs.count {
                let p = raw.load(fromByteOffset: k * MemoryLayout<Job>.stride, as: UnsafeRawPointer.self)
                ctw_prefetch(p)
                ctw_prefetch(p + 64)
                ctw_prefetch(p + 128)
            }
        }

        var tally = StateTally()
        for job in fired {
            let stripe = stripes[job.stripe]
            stripe.lock()
            let before = job.lifecycle, from = before.state
            let dueAt = job.nextDue
            if let outcome = JobLifecycle.apply(.fired(due: dueAt, now: now), to: before) {
                job.lifecycle = outcome.fields   // queued; its effect (enqueue) is the batch below
                stripe.unlock()
                tally.move(from, outcome.fields.state)
                buffers.batch.append((job, dueAt))
                if let next = job.likelyNextDue(due: dueAt, start: now) { buffers.nextDues.append(next) }
            } else {
                stripe.unlock()
                stale += 1
                if from.isFinal { finished += 1 }
            }
        }
        let queued = buffers.batch.count
        // The wheel slots these jobs will most likely go back into are cold
        // too: start loading each slot's last-block number; the run then
        // asks for the block itself (see `execute`).
        for next in buffers.nextDues { due.wheel.prefetchSlot(forDue: next) }
        buffers.nextDues.removeAll(keepingCapacity: true)
        // Counts are published before the runs can start (and end).
        publish(&tally)
        if !buffers.batch.isEmpty {
            dispatch.enqueue(buffers.batch, now: now, refused: &buffers.refused)
            buffers.batch.removeAll(keepingCapacity: true)
        }
        if !buffers.refused.isEmpty {
            handleRefused(buffers.refused, now: now, publish: publish)
            buffers.refused.removeAll(keepingCapacity: true)
        }
        if stale > 0 { due.lock.withLock { due.finishLocked(stale) } }
        if queued > 0 { changes.notify() }
        return queued
    }

    /// Counts finished jobs let go (forgotten by the table, or their wheel
    /// entry dropped) and trims the heap after a wave of them: 16,384 at
    /// once, or 1,024 when the last trim is 10 s old. Cancelling a demo of
    /// 100,000 jobs frees some 40 MB, which glibc keeps unless asked:
    /// twelve start/stop cycles held 362 MB. The trim runs on the thread
    /// that let the jobs go, never inside a lock (its cost is not measured
    /// here; it walks the heap).
    func noteReleased(_ count: Int) {
        let total = releasedSinceTrim.add(count, ordering: .relaxed).newValue
        guard total >= Self.trimAfterReleases else { return }
        let now = monotonicNanoseconds()
        guard total >= Self.trimAtOnceAfterReleases || now - lastTrimNs.load(ordering: .relaxed) >= Self.trimIntervalNs,
              releasedSinceTrim.compareExchange(expected: total, desired: 0, ordering: .relaxed).exchanged else { return }
        lastTrimNs.store(now, ordering: .relaxed)
        _ = ctw_trim_heap()
    }

    /// Called by a worker that found no work, with the dispatcher's lock held
    /// (and held again on return). If nobody holds the sweeping duty, the
    /// worker takes it: it waits for the wheel's next slot end itself, sweeps,
    /// and returns to run what it swept — one wake-up per slot instead of the
    /// timer's plus a worker's. Returns false if another worker has the duty
    /// (or the clock is manual, whose tests keep the timer-only path); the
    /// caller then idles as usual.
    func sweepAsIdleWorker(_ worker: Worker, buffers: inout SweepBuffers) -> Bool {
        guard !clock.isManual, !worker.retire, !worker.writtenOff, !dispatch.stopping else { return false }
        due.lock.lock()  // order: dispatcher → due
        guard due.sweeper == nil, !due.stopping else { due.lock.unlock(); return false }
        due.sweeper = worker
        dispatch.hasSweeper.store(true, ordering: .relaxed)
        worker.sweepPoked = false
        dispatch.lock.unlock()

        var now: Int64 = 0
        while !due.stopping && !worker.sweepPoked {
            now = clock.now()
            let next = due.wheel.nextWake() ?? .max
            if next <= now {
                due.wheel.collectDue(now: now, into: &buffers.fired)
                due.inFlight += buffers.fired.count
                break
            }
            due.timerWakesAt = next
            if next == .max {
                due.timerCondition.wait(due.lock)
            } else {
                due.timerCondition.wait(due.lock, untilMonotonicNs: next)
            }
        }
        due.sweeper = nil
        dispatch.hasSweeper.store(false, ordering: .relaxed)
        due.timerWakesAt = due.timerPlannedWake
        let stopping = due.stopping
        due.lock.unlock()

        if !buffers.fired.isEmpty {
            _ = dispatchFired(now: now, buffers: &buffers) { tally in
                worker.statsLock.withLock { worker.tally.merge(tally) }
                tally = StateTally()
            }
        }
        dispatch.lock.lock()
        // More queued work than this worker finishes within a slot: hand the
        // duty back to the timer thread now rather than at its watchdog.
        // (Signalling without the due lock is safe: the timer reads `sweeper`
        // under that lock, and it was cleared above.)
        if dispatch.backlogNsLocked() > Double(due.resolutionNs) / 2 || stopping {
            due.timerCondition.broadcast()
        }
        return true
    }

    /// Wakes the sweeping worker so it comes back to take queued work or to
    /// leave the pool. Dispatcher lock held (order: dispatcher → due).
    func pokeSweeperLocked() {
        guard dispatch.hasSweeper.load(ordering: .relaxed) else { return }
        due.lock.withLock {
            guard let s = due.sweeper else { return }
            s.sweepPoked = true
            due.timerCondition.broadcast()
        }
    }
}
