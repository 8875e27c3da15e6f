import Testing
import TickworkWire

@Suite("Frames")
struct FrameDecoderTests {
    @Test("frames come back whole however the bytes arrive: one at a time, several in one read")
    func reassembles() throws {
        let payloads: [[UInt8]] = [[1], Array(repeating: 7, count: 300), Array("{\"a\":1}".utf8)]
        let stream = payloads.flatMap(Frame.encode)
        var bytewise = FrameDecoder(), whole = FrameDecoder()
        var got: [[UInt8]] = []
        for byte in stream {
            bytewise.feed([byte])
            while let p = try bytewise.next() { got.append(p) }
        }
        #expect(got == payloads && bytewise.pendingBytes == 0)
        whole.feed(stream)
        var all: [[UInt8]] = []
        while let p = try whole.next() { all.append(p) }
        #expect(all == payloads)
        try whole.finish()
    }

    @Test("a length over the cap or of zero is refused as soon as it is read; a stream ending mid-frame says so")
    func refusesBadLengths() throws {
        var big = FrameDecoder(maximumBytes: 1024)
        big.feed([0, 0, 4, 1])   // 1025
        #expect(throws: FrameError.tooLarge(1025)) { try big.next() }
        var huge = FrameDecoder()
        huge.feed([0xff, 0xff, 0xff, 0xff])
        #expect(throws: FrameError.tooLarge(0xffff_ffff)) { try huge.next() }
        var empty = FrameDecoder()
        empty.feed([0, 0, 0, 0])
        #expect(throws: FrameError.empty) { try empty.next() }
        var cut = FrameDecoder()
        cut.feed(Frame.encode([1, 2, 3, 4, 5]).prefix(6))
        #expect(try cut.next() == nil)
        #expect(throws: FrameError.truncated(have: 2, need: 5)) { try cut.finish() }
        var header = FrameDecoder()
        header.feed([0, 0])
        #expect(throws: FrameError.truncated(have: 2, need: 4)) { try header.finish() }
    }
}
