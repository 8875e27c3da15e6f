import Testing
@testable import Tickwork

/// What finished jobs keep: at most a count and a byte budget of them, the
/// oldest forgotten first, and the windows stay exact around the holes.
@Suite("Finished-job retention")
struct RetentionTests {
    let clock = ManualClock()
    func engine(keep: Int, keepBytes: Int = 1 << 40) throws -> Engine {
        try Engine(EngineConfiguration(workers: 1, timerResolutionShift: 10, keepFinishedJobs: keep,
                                       keepFinishedBytes: keepBytes, clock: clock))
    }

    @Test("beyond the count, the oldest finished jobs are forgotten and their slots given back")
    func byCount() throws {
        let engine = try engine(keep: 100)
        defer { engine.shutdown() }
        let n = 3 * JobTable.pageSize + 500
        let ids = try engine.submit(contentsOf: (0..<n).map { i in JobSpec(name: "j\(i)", schedule: .every(.seconds(60))) { _ in } })
        // Cancel all but every 10th: those live on.
        let cancelled = ids.enumerated().filter { $0.offset % 10 != 0 }.map(\.element)
        for id in cancelled { #expect(engine.cancel(id)) }
        let snapshot = engine.snapshot()
        #expect(snapshot.forgottenJobs == cancelled.count - 100)
        // The newest 100 cancelled are kept; older ones are gone for good.
        #expect(engine.detail(cancelled.last!) != nil)
        #expect(engine.detail(cancelled[cancelled.count - 101]) == nil)
        let table = engine.registryLock.withLock { engine.jobs }
        #expect(table.live == n - cancelled.count + 100)
        #expect(table.densePages == 1)   // the last page, still filling; the others are thinned
        // Submission-order windows, both ways, anchored and not, skip the holes exactly.
        let kept = Set(ids.filter { $0.rawValue % 10 == 1 } + cancelled.suffix(100))
        let model = ids.filter(kept.contains)
        for descending in [false, true] {
            let order = descending ? model.reversed() : model
            for offset in [0, 1, 250, model.count - 30, model.count] {
                let page = engine.jobs(JobQuery(descending: descending, offset: offset, limit: 25))
                #expect(page.matching == model.count)
                #expect(page.jobs.map(\.id) == Array(order.dropFirst(offset).prefix(25)), "offset \(offset) descending \(descending)")
            }
            for rank in [0, 333, model.count - 1] {
                let page = engine.jobs(JobQuery(descending: descending, limit: 10, anchor: order[rank], anchorRow: 3))
                #expect(page.anchorIndex == rank)
                #expect(page.jobs.map(\.id) == Array(order[page.offset..<min(page.offset + 10, order.count)]))
            }
        }
        // Hiding finished jobs: the filtered walk, anchored.
        let live = ids.filter { $0.rawValue % 10 == 1 }
        let filtered = engine.jobs(JobQuery(states: [.scheduled], limit: 5, anchor: live[200], anchorRow: 2))
        #expect(filtered.anchorIndex == 200 && filtered.jobs.map(\.id) == Array(live[198..<203]))
    }

    @Test("beyond the byte budget, finished jobs that hold much are forgotten sooner")
    func byBytes() throws {
        let engine = try engine(keep: 1000, keepBytes: 64 * 1024)
        defer { engine.shutdown() }
        // Jobs that each log 32 lines of 400 bytes: about 14 KB apiece.
        let chatty = try engine.submit(contentsOf: (0..<20).map { i in
            JobSpec(name: "chatty-\(i)", schedule: .once(after: .zero)) { ctx in
                for _ in 0..<32 { ctx.log(String(repeating: "x", count: 400)) }
                ctx.retire()
            }
        })
        clock.advance(by: .ms(1)); engine.settle()
        let footprint = try #require(engine.registryLock.withLock { engine.finishedOrder.last?.bytes })
        #expect(footprint > 13_000 && footprint < 20_000)
        let kept = chatty.filter { engine.detail($0) != nil }.count
        // As many as fit in 64 KB, the newest ones.
        #expect(kept == 64 * 1024 / footprint)
        #expect(engine.detail(chatty.last!) != nil && engine.detail(chatty.first!) == nil)
        #expect(engine.registryLock.withLock { engine.finishedBytes } <= 64 * 1024)
    }
}
