import Foundation
import Testing
import Tickwork
import TickworkLink
import TickworkWire

@Suite("Streaming JSON")
struct StreamingJSONEncoderTests {
    /// A real sample: jobs in several states, events, a detail with a log
    /// and errors, the lateness histogram, queues, workers.
    func realSample() throws -> EngineSample {
        let clock = ManualClock()
        let engine = try Engine(EngineConfiguration(workers: 2, timerResolutionShift: 10, clock: clock))
        defer { engine.shutdown() }
        struct Boom: Error, CustomStringConvertible { var description: String { "boom \"quoted\"\n\tnext line \u{1}" } }
        let chatty = try engine.submit(JobSpec(name: "chätty ✓", group: "g\\1", schedule: .every(.seconds(1))) { ctx in
            ctx.log("line \(ctx.run) with \"quotes\" and \\ backslash")
            ctx.progress(0.25, status: "a quarter")
            if ctx.run % 3 == 0 { throw Boom() }
        })
        let other = try engine.submit(JobSpec(name: "other", schedule: .every(.milliseconds(300))) { _ in })
        engine.pause(other)
        clock.advance(by: .milliseconds(1)); engine.settle()
        for _ in 0..<7 { clock.advance(by: .seconds(1)); engine.settle() }
        return LocalEngineLink(engine: engine).sample(SampleRequest(query: JobQuery(limit: 10), detail: chatty))
    }

    @Test("every wire message reads back equal through Foundation's decoder")
    func roundTrips() throws {
        let sample = try realSample()
        #expect(sample.detail?.log.isEmpty == false && !sample.events.events.isEmpty)
        let outcome = CommandOutcome(command: .pause(JobID(3)), changed: false, message: "x \"y\"")
        let server: [ServerMessage] = [
            .hello(ServerHello(pid: 42, name: "n", demoCatalog: [DemoListing(name: "d", summary: "s")], canReload: true, readOnly: false)),
            .sample(id: 1, sample: sample), .outcome(id: 2, outcome: outcome), .error(id: nil, message: "bad\nthing"),
            .error(id: 9, message: ""),
        ]
        for m in server {
            let bytes = try StreamingJSONEncoder().encode(m)
            let back = try JSONDecoder().decode(ServerMessage.self, from: Data(bytes))
            #expect(back == m, "\(String(decoding: bytes, as: UTF8.self).prefix(300))")
            // The same value as Foundation's own encoding gives.
            #expect(try JSONDecoder().decode(ServerMessage.self, from: JSONEncoder().encode(m)) == back)
        }
        let client: [ClientMessage] = [
            .hello(protocolVersion: 1, client: "c"), .sample(id: 5, request: SampleRequest(query: JobQuery(states: [.failed], text: "x", pinned: [JobID(1)]))),
            .command(id: 6, command: .setWorkers(3)), .command(id: 7, command: .pauseAll), .shutdown(id: 8, deadlineNs: 1_000),
        ]
        for m in client {
            let bytes = try StreamingJSONEncoder().encode(m)
            #expect(try JSONDecoder().decode(ClientMessage.self, from: Data(bytes)) == m)
        }
    }

    @Test("primitives, escapes, empty containers and non-finite numbers")
    func edges() throws {
        func text(_ v: some Encodable) throws -> String { String(decoding: try StreamingJSONEncoder().encode(v), as: UTF8.self) }
        #expect(try text([1, 2, 3]) == "[1,2,3]")
        #expect(try text([String]()) == "[]")
        #expect(try text(["a": [Int]()]) == #"{"a":[]}"#)
        #expect(try text("tab\tquote\"back\\nl\nctl\u{1f}é") == #""tab\tquote\"back\\nl\nctl\u001fé""#)
        #expect(try text([1.5, -0.25, 3]) == "[1.5,-0.25,3]")
        #expect(try text([Int64.min]) == "[-9223372036854775808]" && (try text([UInt64.max])) == "[18446744073709551615]")
        #expect(try text([[1], [2, [3] as [Int]].map { $0 as? Int ?? 0 }]) == "[[1],[2,0]]")
        #expect(try text(Optional<Int>.none) == "null")
        #expect(throws: EncodingError.self) { _ = try StreamingJSONEncoder().encode([Double.infinity]) }
        #expect(throws: EncodingError.self) { _ = try StreamingJSONEncoder().encode(Double.nan) }
    }
}
