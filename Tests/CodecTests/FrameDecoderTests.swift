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
}
