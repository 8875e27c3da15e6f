import Testing
import Tickwork

/// The README's embedding example, compiled and run here so it stays true.
@Suite("README example")
struct ReadmeExampleTests {
    @Test("the embedding example runs")
    func example() throws {
        let clock = ManualClock()
        // --- README example (with the clock swapped for a manual one) ---
        let engine = try Engine(EngineConfiguration(workers: 4, clock: clock))

        // A health check every 5 s, never overlapping itself, 2 s timeout.
        let check = try engine.submit(JobSpec(name: "health", group: "checks",
                                              schedule: .every(.seconds(5)), timeout: .seconds(2)) { ctx in
            ctx.progress(0.5, status: "probing")
            guard ctx.sleep(for: .milliseconds(100)) else { return }  // interruptible
            ctx.log("ok")
        })

        // An object that refreshes at its own changing interval, then retires.
        try engine.submit(JobSpec(name: "object-1", schedule: .adaptive(first: .seconds(1))) { ctx in
            if ctx.run < 5 { ctx.runAgain(after: .milliseconds(500 * ctx.run)) } else { ctx.retire() }
        })

        engine.pause(check)
        engine.resume(check)
        let snap = engine.snapshot()
        _ = (snap.count(.scheduled), snap.busyWorkers, snap.lateness.percentileMicros(0.99))
        let page = engine.jobs(JobQuery(states: [.scheduled], sort: .nextDue, limit: 20))
        for job in page.jobs { _ = "\(job.name) \(job.state) next \(job.nextDueNs ?? 0)" }
        let report = engine.shutdown(deadline: .seconds(2))
        _ = report.isClean
        // --- end ---
        #expect(page.matching == 2)
    }

    @Test("the README's work-with-a-completion example compiles and runs")
    func workExample() throws {
        let clock = ManualClock()
        let engine = try Engine(EngineConfiguration(workers: 2, clock: clock))
        defer { engine.shutdown() }
        @Sendable func makeThumbnail(_ n: Int) throws -> Int { n * 100 }
        let printed = Recorder<String>()
        @Sendable func print(_ items: Any...) { printed.add(items.map { "\($0)" }.joined(separator: " ")) }
        // --- README example ---
        let results = DeliveryQueue()   // drained by the thread that wants the results
        try engine.submitWork(name: "thumbnail-42", deliverOn: results) { ctx in
            try makeThumbnail(42)       // on a worker; returns a value
        } completion: { result in       // inside results.drain(), on your thread
            switch result {
            case .success(let bytes): print("thumbnail:", bytes, "bytes")
            case .failure(let error): print("failed:", error.message, error.timedOut ? "(timed out)" : "")
            case .cancelled: print("cancelled")
            }
        }
        // --- end ---
        clock.advance(by: .milliseconds(1)); engine.settle()
        #expect(results.waitAndDrain(upTo: .milliseconds(100)) == 1)
        #expect(printed.all == ["thumbnail: 4200 bytes"])
    }

    @Test("the README's rates example compiles and runs")
    func ratesExample() throws {
        let engine = try Engine(EngineConfiguration(workers: 2, clock: ManualClock()))
        defer { engine.shutdown() }
        // --- README example ---
        var rates = SnapshotRates()           // one per reader
        let snap = rates.next(engine.snapshot())
        print(snap.runsPerSecond ?? 0, snap.workers.map(\.busyFraction))
        // --- end ---
        #expect(rates.previous != nil && snap.workers.count == 2)
    }
}
