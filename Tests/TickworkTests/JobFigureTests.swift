import Testing
@testable import Tickwork

@Suite("Per-job figures")
struct JobFigureTests {
    @Test("usage is the share of the time between starts a job spends running")
    func usage() throws {
        let (engine, clock) = try manualEngine(workers: 1)
        defer { engine.shutdown() }
        // 25 ms of (sleeping) work every 100 ms: a quarter of the time.
        let id = try engine.submit(JobSpec(name: "quarter", schedule: .every(.ms(100))) { ctx in
            _ = ctx.sleep(for: .ms(25))
        })
        for _ in 0..<400 { clock.advance(by: .ms(5)); engine.settle() }
        let info = try #require(engine.info(id))
        #expect(info.runs >= 15)
        #expect(abs(info.usage - 0.25) < 0.03, "usage \(info.usage)")
    }
}
