import Glibc
import Testing
@testable import Tickwork

/// One-off work with a completion delivered through a `DeliveryQueue`:
/// every way a piece of work can end reaches its callback exactly once, and
/// the callback runs on the thread that drains the queue, never a worker.
@Suite("Work with a completion callback")
struct WorkCompletionTests {
    enum Kind: String, Sendable { case value, fails, cancelledFirst, cancelledRunning, timesOut, neverRuns }

    /// What a callback saw: which work, how it ended, on which thread.
    struct Heard: Sendable {
        let index: Int
        let result: WorkResult<Int>
        let thread: pthread_t
    }

    struct Boom: Error, CustomStringConvertible { var description: String { "boom" } }

    @Test("every ending is delivered once, on the draining thread; no callback runs on a worker")
    func everyEndingOnTheDrainingThread() throws {
        // Eight workers: five runs sleep until cancelled and one hangs.
        let (engine, clock) = try manualEngine(workers: 8)
        let delivery = DeliveryQueue()
        let heard = Recorder<Heard>()
        let workerThreads = Recorder<pthread_t>()
        let hang = Gate()
        let kinds: [Kind] = (0..<30).map { [.value, .value, .fails, .cancelledFirst, .value, .cancelledRunning][$0 % 6] }
            + [.timesOut, .neverRuns, .neverRuns]
        var ids: [JobID] = []
        for (i, kind) in kinds.enumerated() {
            let id = try engine.submitWork(
                name: "work-\(i)", timeout: kind == .timesOut ? .seconds(1) : nil, deliverOn: delivery
            ) { ctx in
                workerThreads.add(pthread_self())
                switch kind {
                case .fails: throw Boom()
                case .cancelledRunning: _ = ctx.sleep(for: .seconds(3600)); return -1
                case .timesOut: hang.wait(); return -1
                default: return i * i
                }
            } completion: { result in
                heard.add(Heard(index: i, result: result, thread: pthread_self()))
            }
            ids.append(id)
        }
        // Paused until shutdown: they never run.
        for (i, kind) in kinds.enumerated() where kind == .neverRuns { #expect(engine.pause(ids[i])) }
        // Cancelled before they run: delivered at once (to the queue, not called).
        for (i, kind) in kinds.enumerated() where kind == .cancelledFirst { #expect(engine.cancel(ids[i])) }
        #expect(heard.count == 0 && delivery.count == 5, "posted, not yet run")
        // (No `settle()`: the hung run stays in flight until its timeout.)
        clock.advance(by: .ms(1))
        let sleepers = kinds.indices.filter { kinds[$0] == .cancelledRunning }
        #expect(engine.waitForChange(within: .seconds(10)) {
            delivery.count == 25 && sleepers.allSatisfy { engine.info(ids[$0])?.state == .sleeping }
                && engine.info(ids[30])?.state == .running
        }, "twenty ended, five asleep, one hung")
        for i in sleepers { #expect(engine.cancel(ids[i])) }
        #expect(engine.waitForChange(within: .seconds(10)) { delivery.count == 30 })
        clock.advance(by: .seconds(2))   // past the timeout: written off
        #expect(engine.waitForChange(within: .seconds(10)) { delivery.count == 31 })
        #expect(delivery.drain() == 31 && heard.count == 31)
        // The hung run returns late: its work was delivered already.
        hang.release()
        #expect(engine.waitForChange(within: .seconds(10)) { engine.info(ids[30])?.stuck == false })
        _ = engine.shutdown()   // the two paused ones are cancelled
        #expect(delivery.drain() == 2)
        #expect(delivery.drain() == 0, "each piece of work is delivered once")

        let me = pthread_self()
        let byIndex = Dictionary(grouping: heard.all, by: \.index)
        #expect(byIndex.count == kinds.count && byIndex.values.allSatisfy { $0.count == 1 })
        #expect(heard.all.allSatisfy { pthread_equal($0.thread, me) != 0 }, "every callback ran on the draining thread")
        #expect(!heard.all.contains { h in workerThreads.all.contains { pthread_equal($0, h.thread) != 0 } },
                "no callback ran on a worker")
        for (i, kind) in kinds.enumerated() {
            let result = try #require(byIndex[i]?.first?.result)
            switch kind {
            case .value: #expect(result == .success(i * i), "work-\(i)")
            case .fails:
                guard case .failure(let error) = result else { Issue.record("work-\(i): \(result)"); continue }
                #expect(error.message == "boom" && !error.timedOut)
            case .timesOut:
                guard case .failure(let error) = result else { Issue.record("work-\(i): \(result)"); continue }
                #expect(error.timedOut, "delivered at the timeout, though the run never returned")
            case .cancelledFirst, .cancelledRunning, .neverRuns: #expect(result == .cancelled, "work-\(i) \(kind)")
            }
        }
    }

    @Test("a full queue's refusal is a failure; work submitted after shutdown is refused at once")
    func refusedAndAfterShutdown() throws {
        let (engine, clock) = try manualEngine(workers: 1, queues: [RunQueueConfig(name: "tiny", capacity: 1)])
        try engine.setQueuePaused("tiny", true)
        let delivery = DeliveryQueue()
        let heard = Recorder<WorkResult<Int>>()
        for i in 0..<2 {
            try engine.submitWork(name: "w\(i)", queue: "tiny", deliverOn: delivery) { _ in i } completion: { heard.add($0) }
        }
        // (No `settle()`: the run waiting in the paused queue stays in flight.)
        clock.advance(by: .ms(1))
        #expect(engine.waitForChange(within: .seconds(10)) { delivery.count == 1 })
        #expect(delivery.drain() == 1)
        guard case .failure(let error) = heard.all.first else { Issue.record("\(heard.all)"); return }
        #expect(error.message.contains("'tiny' was full"))
        _ = engine.shutdown()
        #expect(delivery.drain() == 1 && heard.all.last == .cancelled, "the queued one is cancelled at shutdown")
        #expect(throws: EngineError.self) {
            try engine.submitWork(name: "late", deliverOn: delivery) { _ in 0 } completion: { heard.add($0) }
        }
        #expect(delivery.count == 0)
    }

    @Test("the queue wakes its loop once per burst, and a waiting loop wakes on a post from another thread")
    func wakesTheLoop() {
        let wakes = Recorder<Int>()
        let delivery = DeliveryQueue(wake: { wakes.add(1) })
        let ran = Recorder<Int>()
        for i in 0..<100 { delivery.post { ran.add(i) } }
        #expect(wakes.count == 1 && ran.count == 0)
        #expect(delivery.drain() == 100 && ran.all == Array(0..<100))
        delivery.post { ran.add(100) }
        #expect(wakes.count == 2)
        // A callback that posts another waits for the next drain.
        delivery.post { delivery.post { ran.add(102) }; ran.add(101) }
        #expect(delivery.drain() == 2 && ran.all.suffix(2) == [100, 101] && delivery.count == 1)
        #expect(delivery.drain() == 1 && ran.all.last == 102)
        // From another thread, to a loop blocked waiting.
        startThread(name: "poster") { delivery.post { ran.add(103) } }
        #expect(delivery.waitAndDrain(upTo: .seconds(30)) == 1 && ran.all.last == 103)
        #expect(delivery.waitAndDrain(upTo: .zero) == 0)
    }
}
