import Testing
@testable import Tickwork

@Suite("Anchored and pinned job windows")
struct JobWindowTests {
    /// 40 jobs named job-00…job-39; every fourth is paused.
    func engineWithJobs() throws -> (Engine, ManualClock) {
        let (engine, clock) = try manualEngine()
        for i in 0..<40 {
            try engine.submit(JobSpec(name: String(format: "job-%02d", i), schedule: .every(.seconds(Int64(1 + (39 - i)))))  { _ in })
        }
        for i in stride(from: 1, through: 40, by: 4) { engine.pause(JobID(UInt64(i))) }
        return (engine, clock)
    }

    @Test("an anchor places the window so its job sits at the asked row, in any order", arguments: [
        JobQuery.SortKey.id, .name, .nextDue, .runs,
    ])
    func anchorKeepsItsRow(sort: JobQuery.SortKey) throws {
        let (engine, _) = try engineWithJobs()
        defer { engine.shutdown() }
        for descending in [false, true] {
            let all = engine.jobs(JobQuery(sort: sort, descending: descending, limit: 40)).jobs.map(\.id)
            for (rank, id) in all.enumerated() {
                let page = engine.jobs(JobQuery(sort: sort, descending: descending, offset: 0, limit: 10, anchor: id, anchorRow: 4))
                let start = min(max(rank - 4, 0), 30)
                #expect(page.anchorIndex == rank && page.offset == start, "\(sort) \(descending) rank \(rank)")
                #expect(page.jobs.map(\.id) == Array(all[start..<start + 10]))
                #expect(page.matching == 40)
            }
        }
    }

    @Test("an anchor that no longer matches says so and why; the window falls back to the offset")
    func anchorThatLeft() throws {
        let (engine, _) = try engineWithJobs()
        defer { engine.shutdown() }
        let paused = JobQuery(states: [.paused], sort: .nextDue, offset: 2, limit: 3, anchor: JobID(2), anchorRow: 1)
        let page = engine.jobs(paused)
        #expect(page.anchorIndex == nil && page.anchorInfo?.state == .scheduled && page.anchorInfo?.name == "job-01")
        #expect(page.offset == 2 && page.jobs.count == 3 && page.matching == 10)
        // Filtered and anchored on a job that matches: the filtered order, around it.
        let onIt = engine.jobs(JobQuery(states: [.paused], offset: 0, limit: 3, anchor: JobID(21), anchorRow: 1))
        #expect(onIt.anchorIndex == 5 && onIt.jobs.map(\.id.rawValue) == [17, 21, 25])
    }

    @Test("a pinned window reads the listed jobs in the listed order, dropping those that no longer match")
    func pinned() throws {
        let (engine, _) = try engineWithJobs()
        defer { engine.shutdown() }
        let ids = [7, 3, 5, 9].map { JobID(UInt64($0)) }
        let page = engine.jobs(JobQuery(states: [.scheduled], sort: .nextDue, offset: 12, limit: 10, anchor: JobID(3), pinned: ids))
        // 5 and 9 are paused (every fourth from 1): not scheduled.
        #expect(page.jobs.map(\.id.rawValue) == [7, 3] && page.offset == 12 && page.anchorIndex == 13)
    }
}

@Suite("Job windows by next due and by text, at the engine")
struct WheelWindowTests {
    /// The same query answered by the full pass (a group filter that
    /// matches every job forces it) and by the path under test.
    func fullPass(_ engine: Engine, _ q: JobQuery) -> JobPage {
        var q = q
        q.group = "g"
        return engine.jobs(q)
    }

    @Test("the first pages by next due come from the wheel and agree with the full pass, paused and retrying jobs included")
    func nextDueFromTheWheel() throws {
        let (engine, clock) = try manualEngine(workers: 2)
        defer { engine.shutdown() }
        struct Boom: Error {}
        for i in 0..<300 {
            let period = Duration.milliseconds(Int64(5 + (i * 37) % 200))
            if i % 50 == 7 {
                try engine.submit(JobSpec(name: "fail-\(i)", group: "g", schedule: .every(period), backoff: Backoff(initial: .ms(30), cap: .ms(300))) { _ in throw Boom() })
            } else {
                try engine.submit(JobSpec(name: "job-\(i)", group: "g", schedule: .every(period)) { _ in })
            }
        }
        clock.advance(by: .ms(1)); engine.settle()
        clock.advance(by: .ms(300)); engine.settle()
        for i in stride(from: 3, through: 300, by: 25) { engine.pause(JobID(UInt64(i))) }
        for q in [JobQuery(sort: .nextDue, limit: 40), JobQuery(sort: .nextDue, offset: 17, limit: 30),
                  JobQuery(states: JobState.unfinished, sort: .nextDue, limit: 40),
                  JobQuery(states: [.failed], sort: .nextDue, limit: 3),
                  JobQuery(sort: .nextDue, limit: 20, anchor: JobID(101), anchorRow: 5)] {
            // A sparse filter (6 retrying jobs among 300) is left to the full pass.
            let sparse = q.states == [.failed]
            #expect((JobView(engine: engine, query: q).nextDueFromWheel() != nil) == !sparse, "answered by the wheel: \(q)")
            let got = engine.jobs(q), want = fullPass(engine, q)
            #expect(got.jobs.map(\.id) == want.jobs.map(\.id), "\(q)")
            #expect(got.matching == want.matching && got.offset == want.offset && got.anchorIndex == want.anchorIndex)
        }
        // Paused jobs have no next run: none among the first pages.
        let first = engine.jobs(JobQuery(sort: .nextDue, limit: 100)).jobs
        #expect(first.allSatisfy { $0.state != .paused })
        let paused = engine.jobs(JobQuery(states: [.paused], limit: 100)).jobs
        #expect(!paused.isEmpty && paused.allSatisfy { $0.nextDueNs == nil }, "a paused job has no next run")
        let retrying = engine.jobs(JobQuery(states: [.failed], sort: .nextDue, limit: 3)).jobs
        #expect(retrying.count == 3 && retrying.allSatisfy { $0.nextDueNs != nil }, "retrying jobs are in the wheel's order")
        let dues = first.compactMap(\.nextDueNs)
        #expect(dues == dues.sorted())
    }

    @Test("the last page by next due and by name cost a small heap and agree with the order")
    func lastPages() throws {
        let (engine, clock) = try manualEngine(workers: 2)
        defer { engine.shutdown() }
        for i in 0..<500 { try engine.submit(JobSpec(name: "job-\(i)", group: "g", schedule: .every(.ms(10 + i))) { _ in }) }
        clock.advance(by: .ms(1)); engine.settle()
        for sort in [JobQuery.SortKey.nextDue, .name, .runs] {
            let all = engine.jobs(JobQuery(sort: sort, limit: 500)).jobs.map(\.id)
            let end = engine.jobs(JobQuery(sort: sort, offset: 460, limit: 40))
            #expect(end.jobs.map(\.id) == Array(all[460...]), "\(sort)")
            #expect(end.matching == 500)
        }
    }

    @Test("names sort naturally and filter without case, in any script")
    func textOrder() {
        let names = ["job-10", "Job-9", "job-9", "job-09", "alpha", "Beta", "job-100", "zeta", "Émile"]
        let sorted = names.sorted { TextOrder.compare($0, $1) < 0 }
        #expect(sorted == ["alpha", "Beta", "Job-9", "job-09", "job-9", "job-10", "job-100", "zeta", "Émile"])
        #expect(TextOrder.contains("Bench-424242", lowercasedNeedle: TextOrder.needle("BENCH-4242")))
        #expect(!TextOrder.contains("bench-42", lowercasedNeedle: TextOrder.needle("bench-424")))
        #expect(TextOrder.contains("Émile", lowercasedNeedle: TextOrder.needle("mile")))
        #expect(TextOrder.contains("x", lowercasedNeedle: []))
    }

    @Test("every order over 10,000 jobs (three pages of the table, read a stripe at a time) agrees with sorting every record")
    func everyOrderAgreesWithSortingEveryRecord() throws {
        let (engine, clock) = try manualEngine(workers: 2)
        defer { engine.shutdown() }
        let groups = ["web-10", "web-9", "db", "Batch"]
        for i in 0..<10_000 {
            let period = Duration.milliseconds(Int64(5 + (i * 7919) % 400))
            try engine.submit(JobSpec(name: "job-\((i * 7) % 10_000)", group: groups[i % 4], schedule: .every(period)) { _ in })
        }
        clock.advance(by: .ms(1)); engine.settle()
        clock.advance(by: .ms(60)); engine.settle()
        for i in stride(from: 5, through: 10_000, by: 37) { engine.pause(JobID(UInt64(i))) }
        let all = engine.jobs(JobQuery(limit: 10_000)).jobs
        #expect(all.count == 10_000)
        let stateOf = Dictionary(uniqueKeysWithValues: all.map { ($0.id, $0.state) })
        #expect(Set(all.map(\.state)).isSuperset(of: [.scheduled, .paused]))
        let byKey: [(JobQuery.SortKey, (JobInfo, JobInfo) -> Int)] = [
            (.name, { TextOrder.compare($0.name, $1.name) }),
            (.group, { TextOrder.compare($0.group, $1.group) }),
            (.state, { Int64.order(Int64($0.state.order), Int64($1.state.order)) }),
            (.nextDue, { Int64.order($0.nextDueNs ?? .max, $1.nextDueNs ?? .max) }),
            (.runs, { Int64.order(Int64($0.runs), Int64($1.runs)) }),
        ]
        for (sort, compare) in byKey {
            for descending in [false, true] {
                let want = all.sorted { a, b in
                    let c = compare(a, b)
                    return c == 0 ? a.id < b.id : (descending ? c > 0 : c < 0)
                }.map(\.id)
                for offset in [0, 4_090, 9_960] {
                    let page = engine.jobs(JobQuery(sort: sort, descending: descending, offset: offset, limit: 40))
                    #expect(page.jobs.map(\.id) == Array(want[offset..<(offset + 40)]), "\(sort) descending \(descending) offset \(offset)")
                    #expect(page.matching == 10_000)
                }
                // Anchored: the window around a job, wherever it sits in the order.
                for anchor in [all[0].id, all[4_999].id, all[9_999].id, JobID(5)] {
                    let page = engine.jobs(JobQuery(sort: sort, descending: descending, limit: 40, anchor: anchor, anchorRow: 10))
                    let index = want.firstIndex(of: anchor)!
                    let start = min(max(0, index - 10), 10_000 - 40)
                    #expect(page.anchorIndex == index && page.offset == start, "\(sort) anchored on \(anchor)")
                    #expect(page.jobs.map(\.id) == Array(want[start..<(start + 40)]), "\(sort) anchored on \(anchor)")
                }
                let unfinished = engine.jobs(JobQuery(states: [.scheduled], sort: sort, descending: descending, limit: 40))
                let wantScheduled = want.filter { stateOf[$0] == .scheduled }.prefix(40)
                #expect(unfinished.jobs.map(\.id) == Array(wantScheduled), "\(sort) scheduled only")
            }
        }
    }

    @Test("by schedule orders by kind, then by period: every 30s before every 2m, cron jobs grouped by expression")
    func scheduleOrder() throws {
        let (engine, _) = try manualEngine(workers: 1)
        defer { engine.shutdown() }
        let specs: [(String, Schedule)] = [
            ("a", .every(.seconds(120))), ("b", .cron(try CronExpression(parsing: "0 3 * * *"))),
            ("c", .once(after: .seconds(5))), ("d", .every(.seconds(30))), ("e", .fixedDelay(.seconds(1))),
            ("f", .cron(try CronExpression(parsing: "*/5 * * * *"))), ("g", .cron(try CronExpression(parsing: "0 3 * * *"))),
            ("h", .every(.milliseconds(500))), ("i", .adaptive(first: .seconds(9))), ("j", .adaptive(first: .seconds(1))),
        ]
        for (name, schedule) in specs { try engine.submit(JobSpec(name: name, schedule: schedule) { _ in }) }
        let names = engine.jobs(JobQuery(sort: .schedule, limit: 12)).jobs.map(\.name)
        // Adaptive jobs by id: their first delay is not what the column shows.
        #expect(names == ["h", "d", "a", "e", "i", "j", "f", "b", "g", "c"])
        let reversed = engine.jobs(JobQuery(sort: .schedule, descending: true, limit: 12)).jobs.map(\.name)
        // Equal keys keep id order either way.
        #expect(reversed == ["c", "b", "g", "f", "i", "j", "e", "a", "d", "h"])
    }

    /// Natural order written plainly, token by token from the start: the
    /// reference the fast comparison (which skips a shared prefix) must match.
    static func referenceOrder(_ a: String, _ b: String) -> Int {
        func tokens(_ s: [UInt8]) -> [(digits: Bool, bytes: [UInt8])] {
            var out: [(Bool, [UInt8])] = []
            for c in s {
                let d = c >= 48 && c <= 57
                if d, let last = out.last, last.0 { out[out.count - 1].1.append(c) } else { out.append((d, [c])) }
            }
            return out
        }
        let x = Array(a.utf8), y = Array(b.utf8)
        let tx = tokens(x), ty = tokens(y)
        for (p, q) in zip(tx, ty) {
            if p.digits && q.digits {
                let u = Array(p.bytes.drop { $0 == 48 }), v = Array(q.bytes.drop { $0 == 48 })
                if u.count != v.count { return u.count < v.count ? -1 : 1 }
                if u != v { return u.lexicographicallyPrecedes(v) ? -1 : 1 }
                continue
            }
            // Only a run of digits against a letter can meet here: bytes, folded.
            let f = { (c: UInt8) in c >= 65 && c <= 90 ? c + 32 : c }
            let u = p.bytes.map(f), v = q.bytes.map(f)
            if u != v {
                for (c, d) in zip(u, v) where c != d { return c < d ? -1 : 1 }
                return u.count < v.count ? -1 : 1
            }
        }
        if tx.count != ty.count { return tx.count < ty.count ? -1 : 1 }
        if x == y { return 0 }
        return x.lexicographicallyPrecedes(y) ? -1 : 1
    }

    @Test("the natural order that skips a shared prefix agrees with the plain one on 20,000 seeded pairs")
    func textOrderSkipsSharedPrefixes() {
        var rng = SplitMix64(seed: 42)
        let alphabet = Array("aB-0012_9z".utf8)
        func word(_ n: Int) -> [UInt8] { (0..<n).map { _ in alphabet[Int(rng.next() % UInt64(alphabet.count))] } }
        for _ in 0..<20_000 {
            // A shared prefix, often ending inside a run of digits, then different tails.
            let prefix = word(Int(rng.next() % 8))
            let a = String(decoding: prefix + word(Int(rng.next() % 5)), as: UTF8.self)
            let b = String(decoding: prefix + word(Int(rng.next() % 5)), as: UTF8.self)
            let want = Self.referenceOrder(a, b)
            #expect(TextOrder.compare(a, b) == want, "\(a) vs \(b)")
            #expect(TextOrder.compare(a, Array(b.utf8)) == want, "\(a) vs bytes of \(b)")
        }
    }

    @Test("submission order with a state filter walks to the window and agrees with the full pass")
    func filteredSubmissionOrder() throws {
        let (engine, clock) = try manualEngine(workers: 2)
        defer { engine.shutdown() }
        for i in 0..<200 {
            try engine.submit(JobSpec(name: "job-\(i)", group: "g", schedule: i % 7 == 3 ? .once() : .every(.seconds(5))) { _ in })
        }
        clock.advance(by: .ms(1)); engine.settle()   // every seventh retired
        for i in stride(from: 2, through: 200, by: 9) { engine.pause(JobID(UInt64(i))) }
        for descending in [false, true] {
            for q in [JobQuery(states: JobState.unfinished, descending: descending, limit: 20),
                      JobQuery(states: JobState.unfinished, descending: descending, offset: 150, limit: 20),
                      JobQuery(states: [.paused], descending: descending, offset: 3, limit: 5),
                      JobQuery(states: JobState.unfinished, descending: descending, limit: 10, anchor: JobID(120), anchorRow: 4),
                      JobQuery(states: JobState.unfinished, descending: descending, limit: 10, anchor: JobID(199), anchorRow: 4)] {
                let got = try #require(JobView(engine: engine, query: q).filteredSubmissionOrderPage())
                let want = fullPass(engine, q)
                #expect(got.jobs.map(\.id) == want.jobs.map(\.id), "\(q)")
                #expect(got.matching == want.matching && got.offset == want.offset && got.anchorIndex == want.anchorIndex, "\(q)")
            }
        }
    }
}
