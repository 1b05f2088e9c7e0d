import Codec
import NIOCore
import NIOTestUtils
import Testing

@Suite struct FrameDecoderTests {
    private func frame(_ body: String) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.writeFrame(body: Array(body.utf8))
        return buffer
    }

    @Test func decodesFramesSplitAcrossReadsAndSeveralInOneRead() throws {
        // The verifier feeds the input whole, byte by byte, and in random chunks.
        var input = self.frame("hello")
        var second = self.frame("")
        var third = self.frame(String(repeating: "x", count: 300))
        input.writeBuffer(&second)
        input.writeBuffer(&third)
        try ByteToMessageDecoderVerifier.verifyDecoder(
            inputOutputPairs: [
                (
                    input,
                    [ByteBuffer(string: "hello"), ByteBuffer(), ByteBuffer(string: String(repeating: "x", count: 300))]
                )
            ],
            decoderFactory: { FrameDecoder(maxFrameSize: 1024) }
        )
    }

    @Test func refusesAnOversizeLengthBeforeItsBodyArrives() throws {
        var decoder = FrameDecoder(maxFrameSize: 16)
        var buffer = ByteBuffer()
        buffer.writeInteger(UInt32(17))
        #expect(throws: FrameTooLargeError(length: 17, maxFrameSize: 16)) {
            try decoder.decode(buffer: &buffer)
        }
    }

    @Test func acceptsAFrameOfExactlyTheMaximum() throws {
        var decoder = FrameDecoder(maxFrameSize: 4)
        var buffer = self.frame("abcd")
        let body = try decoder.decode(buffer: &buffer)
        #expect(body == ByteBuffer(string: "abcd"))
        #expect(buffer.readableBytes == 0)
    }

    @Test func waitsForTheWholeLengthPrefix() throws {
        var decoder = FrameDecoder(maxFrameSize: 16)
        var buffer = ByteBuffer(bytes: [0, 0])
        #expect(try decoder.decode(buffer: &buffer) == nil)
        #expect(buffer.readableBytes == 2)
    }

    @Test func walksABurstInPlaceFrameByFrame() throws {
        let decoder = FrameDecoder(maxFrameSize: 4)
        var burst = self.frame("abcd")
        var empty = self.frame("")
        burst.writeBuffer(&empty)
        burst.writeBytes([0, 0, 0, 3, 0x78])  // a frame of 3 bytes, 1 of them here
        let bytes = Array(burst.readableBytesView)
        try bytes.withUnsafeBytes { (bytes) throws in
            #expect(try decoder.body(in: bytes, at: 0) == 4..<8, "exactly the maximum")
            #expect(try decoder.body(in: bytes, at: 8) == 12..<12, "an empty body")
            #expect(try decoder.body(in: bytes, at: 12) == nil, "a body cut off")
            #expect(
                try decoder.body(in: UnsafeRawBufferPointer(rebasing: bytes[..<15]), at: 12) == nil,
                "a prefix cut off"
            )
        }
        try [UInt8]([0, 0, 0, 5]).withUnsafeBytes { (oversize) throws in
            #expect(throws: FrameTooLargeError(length: 5, maxFrameSize: 4)) {
                try decoder.body(in: oversize, at: 0)
            }
        }
    }
}
