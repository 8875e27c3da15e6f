import Testing
@testable import Tickwork

@Suite("Bounded ring")
struct BoundedRingTests {
    @Test("keeps the last values appended, oldest first, through wrapping and compaction")
    func keepsTheLastValues() {
        var ring = BoundedRing<Int>(capacity: 5)
        #expect(ring.isEmpty && ring.elements.isEmpty)
        for n in 1...3 { ring.append(n) }
        #expect(ring.elements == [1, 2, 3] && ring.count == 3)
        ring.compact()
        #expect(ring.elements == [1, 2, 3])
        for n in 4...12 { ring.append(n) }
        #expect(ring.elements == [8, 9, 10, 11, 12] && ring.count == 5)
        #expect(Array(ring) == [8, 9, 10, 11, 12])
        ring.compact()
        #expect(ring.elements == [8, 9, 10, 11, 12])
        ring.append(13)
        #expect(ring.elements == [9, 10, 11, 12, 13], "a compacted ring goes on wrapping")
        // Against a plain trimmed array, for every length up to three laps.
        for capacity in 1...4 {
            var r = BoundedRing<Int>(capacity: capacity), plain: [Int] = []
            for n in 0..<(3 * capacity + 1) {
                r.append(n); plain.append(n)
                if plain.count > capacity { plain.removeFirst() }
                #expect(r.elements == plain)
                if n % 3 == 0 { r.compact(); #expect(r.elements == plain) }
            }
        }
    }

    @Test("compacting moves the values into a buffer their size and frees the one reserved whole")
    func compactingGivesRoomBack() {
        var ring = BoundedRing<Int64>(capacity: 60)
        #expect(ring.reservedSlots == 0 && ring.bufferBytes == 0)
        for n in 1...3 { ring.append(Int64(n)) }
        #expect(ring.reservedSlots >= 60)
        let before = ring.bufferBytes
        ring.compact()
        #expect(ring.reservedSlots >= 3 && ring.reservedSlots < 8, "kept \(ring.reservedSlots) slots for 3 values")
        #expect(ring.bufferBytes < before / 4 && ring.elements == [1, 2, 3])
        // A full ring wrapped past its start is put back in order in a buffer of its size.
        var full = BoundedRing<Int64>(capacity: 4)
        for n in 1...6 { full.append(Int64(n)) }
        full.compact()
        #expect(full.elements == [3, 4, 5, 6] && full.reservedSlots >= 4 && full.reservedSlots < 8)
    }

    @Test("a finished job's footprint counts its compacted buffers, not the ones reserved for a live job")
    func finishedJobFootprintShrinks() {
        let job = testJob(1)
        let extras = job.extrasForWriting
        extras.logLines.append(LogLine(atNs: 0, run: 1, text: "one line"))
        extras.durationHistory.append(1_000); extras.latenessHistory.append(2_000)
        let live = job.footprintBytes
        extras.compact()
        let finished = job.footprintBytes
        // 32 log slots and 2 × 60 history slots reserved, then one of each.
        #expect(live - finished > 31 * MemoryLayout<LogLine>.stride + 2 * 59 * 8 - 200,
                "live \(live) bytes, finished \(finished)")
        #expect(extras.logLines.elements.map(\.text) == ["one line"])
    }

    @Test("a job's detail shows its last 32 log lines and 60 run figures, oldest first")
    func aJobKeepsItsLastLinesAndFigures() throws {
        let (engine, clock) = try manualEngine(workers: 1)
        defer { engine.shutdown() }
        let id = try engine.submit(JobSpec(name: "chatty", schedule: .every(.seconds(1))) { ctx in
            ctx.log("run \(ctx.run) a"); ctx.log("run \(ctx.run) b")
        })
        clock.advance(by: .ms(1)); engine.settle()
        for _ in 1..<70 { clock.advance(by: .seconds(1)); engine.settle() }
        let detail = try #require(engine.detail(id))
        #expect(detail.log.count == 32 && detail.log.first?.text == "run 55 a" && detail.log.last?.text == "run 70 b")
        #expect(detail.durationHistoryNs.count == 60 && detail.latenessHistoryNs.count == 60)
        #expect(detail.info.runs == 70)
    }
}
