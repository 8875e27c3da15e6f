/// A log-linear histogram of whole microseconds: values below 128 µs are
/// exact; above that each power of two is split into 64 sub-buckets (~1.6 %
/// resolution). This is the bucket scheme fixed by the benchmark contract
/// (`shared/bench-contract.md`); the engine uses the same type for its own
/// lateness and duration percentiles so the two can never disagree.
///
/// A plain value: not thread-safe. Each worker owns one and the engine merges
/// them under the worker's stats lock.
public struct LatencyHistogram: Sendable, Equatable {
    /// Enough buckets for any non-negative Int64 microsecond value.
    public static let bucketCount = 128 + 56 * 64

    // Stored as @usableFromInline so `record` inlines into the engine (it
    // runs once per run, and it lives in another module); read-only outside.
    @usableFromInline var storedCounts: [UInt64]
    @usableFromInline var storedCount: UInt64 = 0
    @usableFromInline var storedMin: Int64 = .max
    @usableFromInline var storedMax: Int64 = .min
    @usableFromInline var storedSum: Double = 0

    public var counts: [UInt64] { storedCounts }
    public var count: UInt64 { storedCount }
    /// Exact extremes and sum, in microseconds (sum as Double to avoid overflow).
    public var minMicros: Int64 { storedMin }
    public var maxMicros: Int64 { storedMax }
    public var sumMicros: Double { storedSum }

    public init() { storedCounts = [UInt64](repeating: 0, count: Self.bucketCount) }

    @inlinable
    public static func bucketIndex(_ us: Int64) -> Int {
        if us < 128 { return us < 0 ? 0 : Int(us) }
        let bitLength = 64 - us.leadingZeroBitCount
        let shift = bitLength - 7
        return 128 + (shift - 1) * 64 + Int(us >> Int64(shift)) - 64
    }

    /// The midpoint of a bucket, in microseconds.
    public static func bucketMidpoint(_ index: Int) -> Double {
        if index < 128 { return Double(index) }
        let k = index - 128
        let shift = k / 64 + 1
        let lower = Int64(k % 64 + 64) << Int64(shift)
        let width = Int64(1) << Int64(shift)
        return Double(lower) + Double(width - 1) / 2
    }

    /// Values recorded at or below `bound` µs, counting the whole bucket
    /// `bound` falls in (a bucket spans at most 1/64 of its values).
    public func count(atMostMicros bound: Int64) -> UInt64 {
        guard bound >= 0 else { return 0 }
        let last = Self.bucketIndex(bound)
        var n: UInt64 = 0
        for i in 0...last { n &+= storedCounts[i] }
        return n
    }

    @inlinable
    public mutating func record(micros us: Int64) {
        storedCounts[Self.bucketIndex(us)] &+= 1
        storedCount &+= 1
        if us < storedMin { storedMin = us }
        if us > storedMax { storedMax = us }
        storedSum += Double(us)
    }

    @inlinable
    public mutating func record(nanoseconds ns: Int64) {
        record(micros: ns >= 0 ? ns / 1000 : -((-ns + 999) / 1000))
    }

    public mutating func merge(_ other: LatencyHistogram) {
        guard other.count > 0 else { return }
        for i in 0..<Self.bucketCount where other.storedCounts[i] != 0 { storedCounts[i] &+= other.storedCounts[i] }
        storedCount &+= other.storedCount
        storedMin = Swift.min(storedMin, other.storedMin)
        storedMax = Swift.max(storedMax, other.storedMax)
        storedSum += other.storedSum
    }

    public mutating func reset() { self = LatencyHistogram() }

    /// The runs recorded since `earlier`, a previous copy of this same
    /// cumulative histogram: a window of recent lateness. The exact min and
    /// max of the window are not known; they are bounded by this one's.
    public func subtracting(_ earlier: LatencyHistogram) -> LatencyHistogram {
        var d = LatencyHistogram()
        guard count > earlier.count else { return d }
        for i in 0..<Self.bucketCount where storedCounts[i] != earlier.storedCounts[i] {
            d.storedCounts[i] = storedCounts[i] &- earlier.storedCounts[i]
        }
        d.storedCount = count &- earlier.count
        d.storedMin = minMicros
        d.storedMax = maxMicros
        d.storedSum = sumMicros - earlier.sumMicros
        return d
    }

    /// Percentile q in 0...1: the first bucket whose cumulative count reaches
    /// ceil(q·n), reported as the bucket midpoint, capped at the exact max.
    /// Nil when empty.
    public func percentileMicros(_ q: Double) -> Double? {
        guard count > 0 else { return nil }
        let target = Swift.max(1, UInt64((q * Double(count)).rounded(.up)))
        var cumulative: UInt64 = 0
        for i in 0..<Self.bucketCount {
            cumulative &+= counts[i]
            if cumulative >= target {
                return Swift.min(Self.bucketMidpoint(i), Double(maxMicros))
            }
        }
        return Double(maxMicros)
    }

    public var meanMicros: Double? { count > 0 ? sumMicros / Double(count) : nil }
}


/// On the wire a histogram is sparse: its non-empty buckets as
/// `[index, count]` pairs, with the count, extremes and sum. A snapshot's
/// 3,712 buckets are mostly empty; written whole they would be most of its
/// bytes. Decoding checks what it is given (a bucket in range, counts that
/// add up), since the bytes may come from a socket.
extension LatencyHistogram: Codable {
    private enum CodingKeys: String, CodingKey { case count, minMicros, maxMicros, sumMicros, buckets }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(count, forKey: .count)
        if count > 0 {
            try c.encode(minMicros, forKey: .minMicros)
            try c.encode(maxMicros, forKey: .maxMicros)
            try c.encode(sumMicros, forKey: .sumMicros)
        }
        var pairs: [[UInt64]] = []
        for (i, n) in counts.enumerated() where n > 0 { pairs.append([UInt64(i), n]) }
        try c.encode(pairs, forKey: .buckets)
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init()
        let pairs = try c.decode([[UInt64]].self, forKey: .buckets)
        var total: UInt64 = 0
        for pair in pairs {
            guard pair.count == 2, pair[0] < UInt64(Self.bucketCount) else {
                throw DecodingError.dataCorruptedError(forKey: .buckets, in: c,
                    debugDescription: "a bucket is [index, count] with an index below \(Self.bucketCount)")
            }
            let (sum, overflow) = total.addingReportingOverflow(pair[1])
            guard !overflow else { throw DecodingError.dataCorruptedError(forKey: .buckets, in: c, debugDescription: "bucket counts overflow") }
            total = sum
            storedCounts[Int(pair[0])] = pair[1]
        }
        let count = try c.decode(UInt64.self, forKey: .count)
        guard count == total else {
            throw DecodingError.dataCorruptedError(forKey: .count, in: c, debugDescription: "count \(count) but the buckets hold \(total)")
        }
        if count > 0 {
            storedCount = count
            storedMin = try c.decode(Int64.self, forKey: .minMicros)
            storedMax = try c.decode(Int64.self, forKey: .maxMicros)
            storedSum = try c.decode(Double.self, forKey: .sumMicros)
            guard minMicros <= maxMicros else {
                throw DecodingError.dataCorruptedError(forKey: .minMicros, in: c, debugDescription: "min \(minMicros) above max \(maxMicros)")
            }
        }
    }
}
