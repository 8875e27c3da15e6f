import Foundation
import Testing
@testable import Tickwork

/// Waiting on the engine's own signals: a reader blocked for events wakes
/// when one is recorded, and gives up at its deadline with nothing.
@Suite("Waiting on the engine")
struct ChangeSignalTests {
    @Test("events(after:waitingUpTo:) returns as soon as an event is recorded, and empty at its deadline")
    func blockingEvents() throws {
        let (engine, clock) = try manualEngine()
        defer { engine.shutdown() }
        let seen = engine.events(after: 0).lastSeq
        let empty = engine.events(after: seen, waitingUpTo: .milliseconds(50))
        #expect(empty.events.isEmpty && empty.lastSeq == seen)
        let got = Recorder<[EngineEvent.Kind]>()
        let reader = Thread {
            got.add(engine.events(after: seen, waitingUpTo: .seconds(20)).events.map(\.kind))
        }
        reader.start()
        try engine.submit(JobSpec(name: "one", schedule: .once()) { _ in })
        clock.advance(by: .ms(1))
        engine.settle()
        #expect(engine.waitForChange(within: .seconds(20)) { got.count == 1 })
        #expect(got.all.first?.first == .submitted)
    }

    @Test("waitForChange sees a worker's phase change, which records no event")
    func phaseChange() throws {
        let (engine, clock) = try manualEngine(workers: 1)
        defer { engine.shutdown() }
        try engine.submit(JobSpec(name: "sleeper", schedule: .once()) { ctx in ctx.sleep(for: .seconds(60)) })
        clock.advance(by: .ms(1))
        #expect(engine.waitForChange(within: .seconds(20)) { engine.snapshot().workers.first?.phase == .sleeping })
        #expect(!engine.waitForChange(within: .milliseconds(30)) { engine.snapshot().workers.first?.phase == .idle })
    }
}
