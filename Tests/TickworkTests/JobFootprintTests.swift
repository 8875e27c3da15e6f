import Glibc
import Testing
@testable import Tickwork

/// Memory at a million jobs is a stated target; the job record's size is
/// what decides it, so it is pinned here.
@Suite("Job footprint")
struct JobFootprintTests {
    @Test("a job record fits a 176-byte malloc chunk")
    func jobSize() throws {
        let job = testJob(1, name: "bench-123456")
        typealias UsableSize = @convention(c) (UnsafeMutableRawPointer?) -> Int
        let symbol = try #require(dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_usable_size"))
        let usable = unsafeBitCast(symbol, to: UsableSize.self)
        let size = usable(Unmanaged.passUnretained(job).toOpaque())
        #expect(size <= 168, "job record grew to \(size) usable bytes")
    }
}
