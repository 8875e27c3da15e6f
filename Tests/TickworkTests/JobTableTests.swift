import Testing
@testable import Tickwork

/// The job table against a plain array model: slots come back when jobs
/// are forgotten, ranks and walks stay exact through dense, sparse, freed
/// and dropped pages.
@Suite struct JobTableTests {
    /// Issues `n` ids into a table and a model.
    func filled(_ n: Int) -> (JobTable, [Job?]) {
        var table = JobTable()
        var model: [Job?] = []
        for i in 0..<n {
            let job = testJob(UInt64(i + 1))
            table.append(job)
            model.append(job)
        }
        return (table, model)
    }

    func check(_ table: JobTable, against model: [Job?], sourceLocation: SourceLocation = #_sourceLocation) {
        let live = model.compactMap { $0 }
        #expect(table.live == live.count, sourceLocation: sourceLocation)
        #expect(table.count == model.count, sourceLocation: sourceLocation)
        #expect(table.liveJobs().map(\.id) == live.map(\.id), sourceLocation: sourceLocation)
        var unretained: [JobID] = []
        table.forEachUnretained { unretained.append($0.takeUnretainedValue().id) }
        #expect(unretained == live.map(\.id), sourceLocation: sourceLocation)
        var before = 0
        for slot in model.indices {
            if slot % 97 == 0 {
                #expect(table[slot]?.id == model[slot]?.id, sourceLocation: sourceLocation)
                #expect(table.liveBefore(slot: slot) == before, sourceLocation: sourceLocation)
            }
            if model[slot] != nil { before += 1 }
        }
        // From a slot outwards: forwards from it, then backwards from the one
        // before it, is every live job once (first slot, last, dropped, freed).
        for slot in Set([0, 1, model.count / 2, model.count / 3 + 7, max(0, model.count - 1), model.count]).sorted() {
            var forward: [JobID] = [], backward: [JobID] = []
            table.forEachUnretained(fromSlot: slot, descending: false) { forward.append($0.takeUnretainedValue().id) }
            table.forEachUnretained(fromSlot: slot, descending: true) { backward.append($0.takeUnretainedValue().id) }
            let after = live.filter { Int($0.id.rawValue) - 1 >= slot }.map(\.id)
            let before = live.filter { Int($0.id.rawValue) - 1 < slot }.map(\.id)
            #expect(forward == after, "forwards from slot \(slot)", sourceLocation: sourceLocation)
            #expect(backward == before.reversed(), "backwards from slot \(slot)", sourceLocation: sourceLocation)
        }
        for rank in Set([0, 1, live.count / 3, max(0, live.count - 1), live.count]).sorted() {
            var forward: [JobID] = [], backward: [JobID] = []
            table.walk(fromRank: rank) { forward.append($0.id); return forward.count < 50 }
            table.walk(fromRank: rank, descending: true) { backward.append($0.id); return backward.count < 50 }
            #expect(forward == live.dropFirst(rank).prefix(50).map(\.id), sourceLocation: sourceLocation)
            #expect(backward == live.reversed().dropFirst(rank).prefix(50).map(\.id), sourceLocation: sourceLocation)
        }
    }

    @Test func matchesTheModelWhileJobsAreForgottenInRandomOrder() {
        var (table, model) = filled(5 * JobTable.pageSize + 123)
        var rng = SplitMix64(seed: 11)
        var slots = Array(model.indices)
        for i in stride(from: slots.count - 1, to: 0, by: -1) { slots.swapAt(i, Int(rng.next() % UInt64(i + 1))) }
        for (n, slot) in slots.enumerated() {
            #expect(table.remove(slot: slot)?.id == model[slot]?.id)
            model[slot] = nil
            if n % 2500 == 0 { check(table, against: model) }
        }
        check(table, against: model)
        #expect(table.remove(slot: 0) == nil)
        #expect(table.remove(slot: -1) == nil && table.remove(slot: model.count + 5) == nil)
    }

    /// Ids keep coming and old jobs go: the table holds pages for the live
    /// jobs only, however many ids were issued.
    @Test func pagesOfForgottenJobsAreFreedAndDropped() {
        var table = JobTable()
        var model: [Job?] = []
        // 40 pages' worth of ids, each forgotten 1000 ids later, except
        // every 3000th, which stays.
        for i in 0..<(40 * JobTable.pageSize) {
            let job = testJob(UInt64(i + 1))
            table.append(job)
            model.append(job)
            let old = i - 1000
            if old >= 0 && old % 3000 != 0 {
                table.remove(slot: old)
                model[old] = nil
            }
        }
        check(table, against: model)
        #expect(table.live == model.compactMap { $0 }.count)
        // The survivors sit on sparse pages: every full page but the last few is thinned.
        #expect(table.densePages <= 2)
        // Forget the survivors: the leading pages go altogether.
        for slot in stride(from: 0, to: model.count - 1000, by: 3000) {
            table.remove(slot: slot)
            model[slot] = nil
        }
        check(table, against: model)
        #expect(table.droppedPages >= 39)
        #expect(table.pageCount <= 1)
    }
}
