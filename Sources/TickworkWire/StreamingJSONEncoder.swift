/// JSON written straight into bytes as `encode(to:)` walks a value, with
/// no tree in between: Foundation's `JSONEncoder` builds one and spent 93 %
/// of an attached dashboard's cost on the server (DECISIONS 50). The output
/// is the JSON Foundation's `JSONDecoder` reads back to an equal value
/// (tested for every wire message): keys in the order `encode(to:)` writes
/// them, nil optionals left out as synthesized `Codable` does, non-finite
/// numbers refused.
///
/// How it streams: every container knows its depth; before anything is
/// written at a depth, the containers opened deeper are closed. A value's
/// own container is closed when its `encode(to:)` returns. That is all
/// `Encodable` needs when containers are used in order, which synthesized
/// and hand-written conformances do.
///
/// Pure values, any thread; one encoder per call.
public struct StreamingJSONEncoder {
    public init() {}

    public func encode(_ value: some Encodable) throws -> [UInt8] {
        let sink = JSONSink()
        try sink.encodeValue(value, depth: 0)
        sink.close(deeperThan: 0)
        return sink.bytes
    }
}

/// The bytes and the stack of open containers. Owned by one encoding.
final class JSONSink {
    @exclusivity(unchecked) var bytes: [UInt8] = []
    /// Open containers, outermost first: whether each is an object, and
    /// how many members it has so far.
    @exclusivity(unchecked) private var open: [(object: Bool, members: Int)] = []

    init() { bytes.reserveCapacity(16 << 10) }

    /// Closes every container at `depth` or deeper (depth 1 is the first opened).
    func close(deeperThan depth: Int) {
        while open.count > depth {
            bytes.append(open.removeLast().object ? UInt8(ascii: "}") : UInt8(ascii: "]"))
        }
    }

    /// Begins a member of the container at `depth` (1-based): closes what is
    /// deeper, writes the comma and, in an object, the key.
    func member(at depth: Int, key: String?) {
        close(deeperThan: depth)
        if open[depth - 1].members > 0 { bytes.append(UInt8(ascii: ",")) }
        open[depth - 1].members += 1
        if let key {
            string(key)
            bytes.append(UInt8(ascii: ":"))
        }
    }

    /// Opens a container as the value being written now; returns its depth.
    func openContainer(object: Bool) -> Int {
        bytes.append(object ? UInt8(ascii: "{") : UInt8(ascii: "["))
        open.append((object, 0))
        return open.count
    }

    /// Writes `value` as the value at hand (after a key, in an array, or at
    /// the top); `depth` is the depth of the container it sits in.
    /// (No dynamic casts: a primitive's `encode(to:)` reaches the
    /// containers' own overloads for it, which write it directly.)
    func encodeValue(_ value: some Encodable, depth: Int) throws {
        let before = bytes.count
        try value.encode(to: JSONStreamEncoder(sink: self, depth: depth))
        close(deeperThan: depth)
        // A value that asked for no container at all: an empty object, as Foundation writes.
        if bytes.count == before { literal("{}") }
    }

    func literal(_ s: String) { bytes.append(contentsOf: s.utf8) }
    func bool(_ v: Bool) { literal(v ? "true" : "false") }

    /// An integer's digits, without a String in between.
    func integer<T: FixedWidthInteger>(_ v: T) {
        if v == 0 { bytes.append(UInt8(ascii: "0")); return }
        var digits: (UInt64, Bool) = v < 0 ? (UInt64(v.magnitude), true) : (UInt64(v), false)
        if digits.1 { bytes.append(UInt8(ascii: "-")) }
        let start = bytes.count
        while digits.0 > 0 {
            bytes.append(UInt8(ascii: "0") + UInt8(digits.0 % 10))
            digits.0 /= 10
        }
        bytes[start...].reverse()
    }

    func double(_ v: Double) throws {
        guard v.isFinite else {
            throw EncodingError.invalidValue(v, .init(codingPath: [], debugDescription: "\(v) has no JSON form"))
        }
        if v == v.rounded(), abs(v) < 1e15 { integer(Int64(v)) } else { literal("\(v)") }
    }

    func string(_ s: String) {
        bytes.append(UInt8(ascii: "\""))
        for byte in s.utf8 {
            switch byte {
            case UInt8(ascii: "\""): bytes.append(UInt8(ascii: "\\")); bytes.append(byte)
            case UInt8(ascii: "\\"): bytes.append(UInt8(ascii: "\\")); bytes.append(byte)
            case 0x0A: bytes.append(UInt8(ascii: "\\")); bytes.append(UInt8(ascii: "n"))
            case 0x0D: bytes.append(UInt8(ascii: "\\")); bytes.append(UInt8(ascii: "r"))
            case 0x09: bytes.append(UInt8(ascii: "\\")); bytes.append(UInt8(ascii: "t"))
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                bytes.append(contentsOf: Array("\\u00".utf8))
                bytes.append(hex[Int(byte >> 4)]); bytes.append(hex[Int(byte & 0xF)])
            default: bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }
}

/// The `Encoder` a value's `encode(to:)` is handed: its containers write
/// into the sink at `depth + 1`.
struct JSONStreamEncoder: Encoder {
    let sink: JSONSink
    /// The depth of the container the value sits in.
    let depth: Int
    var codingPath: [any CodingKey] { [] }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        KeyedEncodingContainer(JSONKeyed<Key>(sink: sink, depth: sink.openContainer(object: true)))
    }
    func unkeyedContainer() -> any UnkeyedEncodingContainer { JSONUnkeyed(sink: sink, depth: sink.openContainer(object: false)) }
    func singleValueContainer() -> any SingleValueEncodingContainer { JSONSingle(sink: sink, depth: depth) }
}

struct JSONKeyed<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let sink: JSONSink
    let depth: Int
    var codingPath: [any CodingKey] { [] }

    mutating func encodeNil(forKey key: Key) throws { sink.member(at: depth, key: key.stringValue); sink.literal("null") }
    mutating func encode(_ v: String, forKey key: Key) throws { sink.member(at: depth, key: key.stringValue); sink.string(v) }
    mutating func encode(_ v: Bool, forKey key: Key) throws { sink.member(at: depth, key: key.stringValue); sink.bool(v) }
    mutating func encode(_ v: Int, forKey key: Key) throws { sink.member(at: depth, key: key.stringValue); sink.integer(v) }
    mutating func encode(_ v: Int64, forKey key: Key) throws { sink.member(at: depth, key: key.stringValue); sink.integer(v) }
    mutating func encode(_ v: Int32, forKey key: Key) throws { sink.member(at: depth, key: key.stringValue); sink.integer(v) }
    mutating func encode(_ v: UInt64, forKey key: Key) throws { sink.member(at: depth, key: key.stringValue); sink.integer(v) }
    mutating func encode(_ v: UInt32, forKey key: Key) throws { sink.member(at: depth, key: key.stringValue); sink.integer(v) }
    mutating func encode(_ v: Double, forKey key: Key) throws { sink.member(at: depth, key: key.stringValue); try sink.double(v) }
    mutating func encode(_ v: Float, forKey key: Key) throws { sink.member(at: depth, key: key.stringValue); try sink.double(Double(v)) }
    mutating func encode(_ value: some Encodable, forKey key: Key) throws {
        sink.member(at: depth, key: key.stringValue)
        try sink.encodeValue(value, depth: depth)
    }
    mutating func encodeIfPresent(_ value: (some Encodable)?, forKey key: Key) throws {
        if let value { try encode(value, forKey: key) }
    }
    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
        sink.member(at: depth, key: key.stringValue)
        return KeyedEncodingContainer(JSONKeyed<NestedKey>(sink: sink, depth: sink.openContainer(object: true)))
    }
    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        sink.member(at: depth, key: key.stringValue)
        return JSONUnkeyed(sink: sink, depth: sink.openContainer(object: false))
    }
    mutating func superEncoder() -> any Encoder {
        sink.member(at: depth, key: "super")
        return JSONStreamEncoder(sink: sink, depth: depth)
    }
    mutating func superEncoder(forKey key: Key) -> any Encoder {
        sink.member(at: depth, key: key.stringValue)
        return JSONStreamEncoder(sink: sink, depth: depth)
    }
}

struct JSONUnkeyed: UnkeyedEncodingContainer {
    let sink: JSONSink
    let depth: Int
    var codingPath: [any CodingKey] { [] }
    private(set) var count = 0

    init(sink: JSONSink, depth: Int) { self.sink = sink; self.depth = depth }

    mutating func encodeNil() throws { sink.member(at: depth, key: nil); sink.literal("null"); count += 1 }
    mutating func encode(_ v: String) throws { sink.member(at: depth, key: nil); sink.string(v); count += 1 }
    mutating func encode(_ v: Bool) throws { sink.member(at: depth, key: nil); sink.bool(v); count += 1 }
    mutating func encode(_ v: Int) throws { sink.member(at: depth, key: nil); sink.integer(v); count += 1 }
    mutating func encode(_ v: Int64) throws { sink.member(at: depth, key: nil); sink.integer(v); count += 1 }
    mutating func encode(_ v: UInt64) throws { sink.member(at: depth, key: nil); sink.integer(v); count += 1 }
    mutating func encode(_ v: Double) throws { sink.member(at: depth, key: nil); try sink.double(v); count += 1 }
    mutating func encode(_ value: some Encodable) throws {
        sink.member(at: depth, key: nil)
        try sink.encodeValue(value, depth: depth)
        count += 1
    }
    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        sink.member(at: depth, key: nil)
        count += 1
        return KeyedEncodingContainer(JSONKeyed<NestedKey>(sink: sink, depth: sink.openContainer(object: true)))
    }
    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        sink.member(at: depth, key: nil)
        count += 1
        return JSONUnkeyed(sink: sink, depth: sink.openContainer(object: false))
    }
    mutating func superEncoder() -> any Encoder {
        sink.member(at: depth, key: nil)
        count += 1
        return JSONStreamEncoder(sink: sink, depth: depth)
    }
}

struct JSONSingle: SingleValueEncodingContainer {
    let sink: JSONSink
    let depth: Int
    var codingPath: [any CodingKey] { [] }

    mutating func encodeNil() throws { sink.literal("null") }
    mutating func encode(_ v: String) throws { sink.string(v) }
    mutating func encode(_ v: Bool) throws { sink.bool(v) }
    mutating func encode(_ v: Int) throws { sink.integer(v) }
    mutating func encode(_ v: Int8) throws { sink.integer(v) }
    mutating func encode(_ v: Int16) throws { sink.integer(v) }
    mutating func encode(_ v: Int32) throws { sink.integer(v) }
    mutating func encode(_ v: Int64) throws { sink.integer(v) }
    mutating func encode(_ v: UInt) throws { sink.integer(v) }
    mutating func encode(_ v: UInt8) throws { sink.integer(v) }
    mutating func encode(_ v: UInt16) throws { sink.integer(v) }
    mutating func encode(_ v: UInt32) throws { sink.integer(v) }
    mutating func encode(_ v: UInt64) throws { sink.integer(v) }
    mutating func encode(_ v: Double) throws { try sink.double(v) }
    mutating func encode(_ v: Float) throws { try sink.double(Double(v)) }
    mutating func encode(_ value: some Encodable) throws { try sink.encodeValue(value, depth: depth) }
}
