import Testing
@testable import Tickwork

@Suite("Run queues")
struct RunQueueTests {
    func item(_ i: Int, priority: Int = 0) -> RunItem {
        let job = testJob(UInt64(i), priority: priority)
        return RunItem(job: job, due: 0, enqueuedNs: Int64(i), seq: UInt64(i), priority: priority)
    }

    func drain(_ q: RunQueue) -> [UInt64] {
        var out: [UInt64] = []
        while let x = q.pop() { out.append(x.job.id.rawValue) }
        return out
    }

    @Test("FIFO, LIFO and priority orders")
    func orders() throws {
        let fifo = RunQueue(config: try RunQueueConfig(name: "f", order: .fifo))
        let lifo = RunQueue(config: try RunQueueConfig(name: "l", order: .lifo))
        let prio = RunQueue(config: try RunQueueConfig(name: "p", order: .priority))
        for i in 1...4 {
            _ = fifo.push(item(i)); _ = lifo.push(item(i))
            _ = prio.push(item(i, priority: [1, 5, 5, 0][i - 1]))
        }
        #expect(drain(fifo) == [1, 2, 3, 4])
        #expect(drain(lifo) == [4, 3, 2, 1])
        #expect(drain(prio) == [2, 3, 1, 4], "highest priority first, then oldest")
    }

    @Test("a full queue rejects the newest with an exact count")
    func rejectNewest() throws {
        let q = RunQueue(config: try RunQueueConfig(name: "q", capacity: 3, whenFull: .rejectNewest))
        var refused: [UInt64] = []
        for i in 1...10 { if let r = q.push(item(i)) { refused.append(r.job.id.rawValue) } }
        #expect(q.depth == 3 && q.overflow == 7)
        #expect(refused == Array(4...10))
        #expect(drain(q) == [1, 2, 3])
    }

    @Test("a full queue drops the oldest with an exact count", arguments: QueueOrder.allCases)
    func dropOldest(order: QueueOrder) throws {
        let q = RunQueue(config: try RunQueueConfig(name: "q", capacity: 3, order: order, whenFull: .dropOldest))
        var dropped: [UInt64] = []
        for i in 1...6 { if let r = q.push(item(i)) { dropped.append(r.job.id.rawValue) } }
        #expect(q.depth == 3 && q.overflow == 3 && q.maxDepth == 3)
        #expect(dropped == [1, 2, 3])
        #expect(Set(drain(q)) == [4, 5, 6])
    }

    @Test("removing a job's runs")
    func remove() throws {
        let q = RunQueue(config: try RunQueueConfig(name: "q"))
        let a = item(1), b = item(2)
        _ = q.push(a); _ = q.push(b); _ = q.push(a)
        #expect(q.remove(job: a.job) == 2)
        #expect(drain(q) == [2])
    }
}
