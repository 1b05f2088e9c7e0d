import NIOCore
import Testing

@testable import RPCServer

/// Following gRPC's length prefixes through bytes split anywhere, without a network.
@Suite struct GRPCMessagePrefixReaderTests {
    /// A gRPC message: flag 0, big-endian length, then `length` bytes.
    private func message(length: Int) -> [UInt8] {
        [0, UInt8(length >> 24 & 0xFF), UInt8(length >> 16 & 0xFF), UInt8(length >> 8 & 0xFF), UInt8(length & 0xFF)]
            + [UInt8](repeating: 7, count: length)
    }

    @Test func messagesUpToTheLimitPassAndTheFirstOverItIsTold() {
        var reader = GRPCMessagePrefixReader(limit: 10)
        #expect(reader.read(ByteBuffer(bytes: self.message(length: 10) + self.message(length: 0))) == nil)
        // The prefix alone tells: the body need not come.
        #expect(reader.read(ByteBuffer(bytes: Array(self.message(length: 11).prefix(5)))) == 11)
    }

    @Test func bytesSplitAnywhereAreFollowedThroughPrefixAndBody() {
        let stream = self.message(length: 3) + self.message(length: 4) + Array(self.message(length: 70_000).prefix(5))
        for cut in 0...stream.count {
            var reader = GRPCMessagePrefixReader(limit: 65_536)
            let first = reader.read(ByteBuffer(bytes: stream[..<cut]))
            let second = reader.read(ByteBuffer(bytes: stream[cut...]))
            #expect((first ?? second) == 70_000, "cut at \(cut)")
        }
        // One byte at a time, too.
        var reader = GRPCMessagePrefixReader(limit: 65_536)
        let told = stream.compactMap { reader.read(ByteBuffer(bytes: [$0])) }
        #expect(told == [70_000])
    }

    @Test func theLargestDeclaredLengthIsReadWithoutOverflow() {
        var reader = GRPCMessagePrefixReader(limit: 4 << 20)
        #expect(reader.read(ByteBuffer(bytes: [1, 0xFF, 0xFF, 0xFF, 0xFF])) == Int(UInt32.max))
    }
}
