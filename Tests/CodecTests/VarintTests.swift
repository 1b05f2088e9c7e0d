import Codec
import NIOCore
import SwiftProtobuf
import Testing

@Suite struct VarintTests {
    @Test(arguments: [UInt64(0), 1, 127, 128, 300, 16_383, 16_384, UInt64(UInt32.max), UInt64.max])
    func writesWhatProtobufWritesAndReadsItBack(value: UInt64) throws {
        var buffer = ByteBuffer()
        buffer.writeVarint(value)
        #expect(buffer.readableBytes == ByteBuffer.varintSize(value))
        // Field 1 of a Response is a varint: SwiftProtobuf's encoding of it, minus the tag byte.
        var response = Catalog_V1_Response()
        response.callID = value
        let encoded: [UInt8] = try response.serializedBytes()
        if value != 0 {
            #expect(Array(buffer.readableBytesView) == Array(encoded.dropFirst()))
        }
        #expect(buffer.readVarint() == value)
        #expect(buffer.readableBytes == 0)
    }

    @Test func aTruncatedVarintReadsAsNil() {
        var buffer = ByteBuffer(bytes: [0x80, 0x80])
        #expect(buffer.readVarint() == nil)
    }
}
