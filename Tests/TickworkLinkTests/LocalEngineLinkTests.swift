import Foundation
import Testing
import Tickwork
import TickworkLink
import TickworkModel

/// The in-process link: every command comes back with what became of it,
/// and everything a frame shows is a plain value that survives JSON (the
/// same frames will cross a socket).
@Suite("Local engine link")
struct LocalEngineLinkTests {
    private func engine() throws -> (Engine, ManualClock) {
        let clock = ManualClock()
        return (try Engine(EngineConfiguration(workers: 1, timerResolutionShift: 10, clock: clock)), clock)
    }

    @Test("each command says whether it changed anything, naming the task it acted on")
    func commandOutcomes() throws {
        let (engine, _) = try engine()
        defer { engine.shutdown() }
        let link = LocalEngineLink(engine: engine)
        let id = try engine.submit(JobSpec(name: "sync", schedule: .every(.seconds(10))) { _ in })

        #expect(link.perform(.pause(id)) == CommandOutcome(command: .pause(id), changed: true, message: "paused sync (\(id))"))
        let again = link.perform(.pause(id))
        #expect(!again.changed && again.message == "sync (\(id)): nothing to pause, it is paused")
        #expect(link.perform(.resume(id)).changed)
        #expect(link.perform(.cancel(id)) == CommandOutcome(command: .cancel(id), changed: true, message: "cancelled sync (\(id))"))
        #expect(link.perform(.resume(JobID(999))).message == "task #999: nothing to resume, it is gone")

        // A queue's row shows its change: no line, unless refused.
        #expect(link.perform(.pauseQueue("default")) == CommandOutcome(command: .pauseQueue("default"), changed: true, message: nil))
        #expect(!link.perform(.pauseQueue("default")).changed)
        let unknown = link.perform(.resumeQueue("nope"))
        #expect(!unknown.changed && unknown.message?.contains("nope") == true, "\(unknown)")
        #expect(link.perform(.setWorkers(-1)).message == "pool not resized: workers must be 0…4096 (got -1)")
        #expect(link.perform(.setWorkers(2)).changed)
        #expect(!link.perform(.setWorkers(2)).changed)

        // Without demos or a job file, those commands are refused with a reason.
        #expect(link.perform(.launchDemo("race")) == CommandOutcome(command: .launchDemo("race"), changed: false, message: "no demos here: race"))
        #expect(link.perform(.reloadJobFile).message == "no job file to reload (start with --file)")
        #expect(!link.canReload && link.demoCatalog.isEmpty)
    }

    @Test("a sample is the engine's snapshot, window, detail and events, and survives a JSON round trip")
    func sampleRoundTrip() throws {
        let (engine, clock) = try engine()
        defer { engine.shutdown() }
        let link = LocalEngineLink(engine: engine, demos: DemoControls(panels: {
            [DemoPanel(name: "race", figures: [DemoFigure("lost", 6), DemoFigure("speedup", 1.5), DemoFigure("leds", "#.#"),
                                               DemoFigure(message: "HTTP 503", count: 2)])]
        }))
        let ok = try engine.submit(JobSpec(name: "ok", schedule: .every(.seconds(1))) { ctx in ctx.log("hello") })
        try engine.submit(JobSpec(name: "bad", schedule: .every(.seconds(1))) { _ in throw CocoaError(.fileNoSuchFile) })
        for _ in 0..<3 { clock.advance(by: .seconds(1)); engine.settle() }

        let sample = link.sample(SampleRequest(query: JobQuery(sort: .name), detail: ok))
        #expect(sample.page.jobs.map(\.name) == ["bad", "ok"])
        #expect(sample.detail?.log.first?.text == "hello")
        #expect(sample.snapshot.runs >= 4 && sample.snapshot.lateness.count == UInt64(sample.snapshot.runs))
        #expect(sample.events.events.contains { $0.kind == .failed && $0.name == "bad" })
        #expect(sample.panels.first?.items == ["lost 6", "speedup 1.5", "leds #.#", "2× HTTP 503"])

        let bytes = try JSONEncoder().encode(sample)
        let back = try JSONDecoder().decode(EngineSample.self, from: bytes)
        #expect(back == sample)
        // The histogram goes sparse: the whole sample stays small.
        #expect(bytes.count < 8_000, "\(bytes.count) bytes")
        // A reader after the last event gets nothing again.
        #expect(link.sample(SampleRequest(query: JobQuery(), eventsAfter: sample.events.lastSeq)).events.events.isEmpty)
    }

    @Test("a histogram from the wire is checked: a bucket out of range or counts that do not add up are refused")
    func histogramFromTheWireIsChecked() throws {
        var h = LatencyHistogram()
        for us in [3, 3, 900, 1_000_000] as [Int64] { h.record(micros: us) }
        let decoded = try JSONDecoder().decode(LatencyHistogram.self, from: JSONEncoder().encode(h))
        #expect(decoded == h && decoded.percentileMicros(0.5) == h.percentileMicros(0.5))
        #expect(try JSONDecoder().decode(LatencyHistogram.self, from: JSONEncoder().encode(LatencyHistogram())) == LatencyHistogram())
        for bad in [#"{"count":1,"minMicros":3,"maxMicros":3,"sumMicros":3,"buckets":[[99999,1]]}"#,
                    #"{"count":2,"minMicros":3,"maxMicros":3,"sumMicros":3,"buckets":[[3,1]]}"#,
                    #"{"count":1,"minMicros":9,"maxMicros":3,"sumMicros":3,"buckets":[[3,1]]}"#,
                    #"{"count":0,"buckets":[[3]]}"#,
                    #"{"count":0,"buckets":[[1,18446744073709551615],[2,1]]}"#] {
            #expect(throws: DecodingError.self, "\(bad)") { try JSONDecoder().decode(LatencyHistogram.self, from: Data(bad.utf8)) }
        }
    }

    @Test("a figure keeps its type through JSON: counts are numbers, text is text")
    func figuresAreTyped() throws {
        let figures = [DemoFigure("jobs", 1_000_000), DemoFigure("speedup", 1.93), DemoFigure("result", "-"),
                       DemoFigure(message: "boom", count: 3)]
        let json = String(decoding: try JSONEncoder().encode(figures.map(\.value)), as: UTF8.self)
        #expect(json == #"[1000000,1.93,"-",3]"#)
        #expect(try JSONDecoder().decode([DemoFigure].self, from: JSONEncoder().encode(figures)) == figures)
        #expect(figures[0].item == "jobs 1,000,000" && figures[3].item == "3× boom")
    }
}
