/// Sort keys and ranked entries for job windows. A window over a million
/// jobs ranks every one, so each key type gets its own specialised code:
/// an `Int64` key (ids, times, counts) is a trivial value, compared inline;
/// a `String` key (names, groups) is compared in natural order against a
/// boundary whose bytes are read once. (One enum over both kinds cost a
/// value-witness copy and destroy per job: the name window took 73–86 ms at
/// a million jobs, against 22–30 ms for a text filter's pass.) Pure values.
protocol RankKey {
    /// The key as a million comparisons against it read it.
    associatedtype Prepared
    static func prepare(_ key: Self) -> Prepared
    /// -1, 0 or 1.
    static func order(_ a: Self, _ b: Self) -> Int
    /// -1, 0 or 1: `a` against a prepared key.
    static func order(_ a: Self, against b: Prepared) -> Int
    /// The job's key in `view`'s order; `state` is the job's state, read
    /// under its stripe lock when the view needs it.
    static func read(_ job: Job, state: JobState, in view: JobView) -> Self
}

extension Int64: RankKey {
    @inline(__always) static func prepare(_ key: Int64) -> Int64 { key }
    @inline(__always) static func order(_ a: Int64, _ b: Int64) -> Int { a == b ? 0 : (a < b ? -1 : 1) }
    @inline(__always) static func order(_ a: Int64, against b: Int64) -> Int { order(a, b) }
    @inline(__always) static func read(_ job: Job, state: JobState, in view: JobView) -> Int64 {
        view.numericKey(job, state: state)
    }
}

/// Text is in natural order (`TextOrder`), which tells two different names
/// apart, so equal keys mean equal bytes.
extension String: RankKey {
    @inline(__always) static func prepare(_ key: String) -> [UInt8] { Array(key.utf8) }
    @inline(__always) static func order(_ a: String, _ b: String) -> Int { TextOrder.compare(a, b) }
    @inline(__always) static func order(_ a: String, against b: [UInt8]) -> Int { TextOrder.compare(a, b) }
    @inline(__always) static func read(_ job: Job, state: JobState, in view: JobView) -> String {
        view.textKey(job)
    }
}

/// A job's name as a sort key, read from the job in place: the common text
/// order costs no retain or release of the name per job (which a `String`
/// key costs even for a name stored inline: ~20 ms at a million jobs).
struct NameKey: RankKey {
    let job: Unmanaged<Job>
    @inline(__always) static func prepare(_ key: NameKey) -> [UInt8] {
        key.job._withUnsafeGuaranteedRef { Array($0.name.utf8) }
    }
    @inline(__always) static func order(_ a: NameKey, _ b: NameKey) -> Int {
        a.job._withUnsafeGuaranteedRef { x in b.job._withUnsafeGuaranteedRef { y in TextOrder.compare(x.name, y.name) } }
    }
    @inline(__always) static func order(_ a: NameKey, against b: [UInt8]) -> Int {
        a.job._withUnsafeGuaranteedRef { TextOrder.compare($0.name, b) }
    }
    @inline(__always) static func read(_ job: Job, state: JobState, in view: JobView) -> NameKey {
        NameKey(job: Unmanaged.passUnretained(job))
    }
}

extension JobQuery.SortKey {
    /// Whether this order's keys are text other than the name (else numbers, or `NameKey`).
    var isOtherText: Bool { self == .status }
}

/// A job with its sort key, ordered as the query asks (ties by id). The
/// job is unretained: the `JobView`'s table copy keeps it alive.
struct Ranked<Key: RankKey>: Comparable {
    let key: Key
    let id: JobID
    let job: Unmanaged<Job>
    let descending: Bool
    @inline(__always)
    static func < (a: Ranked, b: Ranked) -> Bool { order(Key.order(a.key, b.key), a, b) < 0 }

    /// -1, 0 or 1 in the query's order, given the keys' comparison `c`: ties by id.
    @inline(__always)
    static func order(_ c: Int, _ a: Ranked, _ b: Ranked) -> Int {
        if c == 0 { return a.id == b.id ? 0 : (a.id < b.id ? -1 : 1) }
        return a.descending ? -c : c
    }
    static func == (a: Ranked, b: Ranked) -> Bool { a.id == b.id }
}

/// The heap's boundary entry (its largest, or its smallest when keeping the
/// tail) with its key prepared: a million comparisons against it then read
/// one name each, not two.
struct Boundary<Key: RankKey> {
    let entry: Ranked<Key>
    let prepared: Key.Prepared
    init(_ entry: Ranked<Key>) {
        self.entry = entry
        prepared = Key.prepare(entry.key)
    }

    /// -1, 0 or 1: where `candidate` falls against the boundary in the query's order.
    @inline(__always)
    func order(of candidate: Ranked<Key>) -> Int {
        Ranked.order(Key.order(candidate.key, against: prepared), candidate, entry)
    }
}
