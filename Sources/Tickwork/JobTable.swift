import CTickworkLinux

/// The job table: index = id − 1, in pages of 4096, so growing never copies
/// all references (at a million jobs a doubling copy would briefly hold two
/// 8 MB arrays) and a reader's copy-on-write snapshot costs one page per write.
///
/// A value type; `Engine.registryLock` guards the engine's instance.
struct JobTable: RandomAccessCollection {
    static let pageBits = 12
    static let pageSize = 1 << pageBits
    private var pages: [[Job?]] = []
    private(set) var count = 0

    var startIndex: Int { 0 }
    var endIndex: Int { count }

    subscript(i: Int) -> Job? {
        get { pages[i >> Self.pageBits][i & (Self.pageSize - 1)] }
        set { pages[i >> Self.pageBits][i & (Self.pageSize - 1)] = newValue }
    }

    mutating func append(_ job: Job) {
        if count & (Self.pageSize - 1) == 0 {
            var page = [Job?]()
            page.reserveCapacity(Self.pageSize)
            pages.append(page)
        }
        pages[pages.count - 1].append(job)
        count += 1
    }

    /// Calls `body` with each job's raw reference (no retain: the caller's
    /// copy of the table keeps them alive), asking for the job `ahead`
    /// places on first: a pass over a million jobs is a miss per job, and
    /// misses asked for together overlap.
    func forEachUnretained(prefetchAhead ahead: Int = 8, _ body: (Unmanaged<Job>) -> Void) {
        for page in pages {
            page.withUnsafeBufferPointer { buffer in
                guard let base = buffer.baseAddress else { return }
                let raw = UnsafeRawPointer(base)
                let stride = MemoryLayout<Job?>.stride
                for k in 0..<buffer.count {
                    if k + ahead < buffer.count, let next = raw.load(fromByteOffset: (k + ahead) * stride, as: UnsafeRawPointer?.self) {
                        ctw_prefetch(next)
                        ctw_prefetch(next + 64)
                    }
                    if let p = raw.load(fromByteOffset: k * stride, as: UnsafeRawPointer?.self) {
                        body(Unmanaged<Job>.fromOpaque(p))
                    }
                }
            }
        }
    }
}
