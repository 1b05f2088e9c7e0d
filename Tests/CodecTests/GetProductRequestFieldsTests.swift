import Codec
import Foundation
import NIOCore
import SwiftProtobuf
import Testing

/// GetProduct's hand-read request reads the sku SwiftProtobuf reads.
@Suite struct GetProductRequestFieldsTests {
    @Test func readsTheSkuSwiftProtobufWrites() throws {
        var request = Catalog_V1_GetProductRequest()
        request.sku = "0d4f6c2e-9a3b-4f1e-8c7d-5b2a1e3f4c6d"
        try self.expectSameAsSwiftProtobuf(try request.serializedBytes())
        try self.expectSameAsSwiftProtobuf([])
    }

    @Test func theLastSkuWinsAndOtherFieldsAreSkipped() throws {
        let bytes: [UInt8] =
            [0x0A, 0x03] + Array("old".utf8)  // sku "old"
            + [0x10, 0x05]  // field 2, varint: unknown
            + [0x08, 0x01]  // field 1 as a varint: the wrong wire type, so unknown too
            + [0x0A, 0x04] + Array("last".utf8)
            + [0x1D, 0x01, 0x02, 0x03, 0x04]  // field 3, fixed32: unknown
        try self.expectSameAsSwiftProtobuf(bytes)
    }

    @Test func aTruncatedPayloadIsMalformed() {
        #expect(throws: MalformedMessageError.self) {
            try GetProductRequestFields(payload: ByteBuffer(bytes: [0x0A, 0x24, 0x30]))
        }
        #expect(throws: (any Error).self) {
            try Catalog_V1_GetProductRequest(serializedBytes: [0x0A, 0x24, 0x30] as [UInt8])
        }
    }

    private func expectSameAsSwiftProtobuf(_ bytes: [UInt8], sourceLocation: SourceLocation = #_sourceLocation) throws {
        let expected = try Catalog_V1_GetProductRequest(serializedBytes: bytes)
        let fields = try GetProductRequestFields(payload: ByteBuffer(bytes: bytes))
        #expect(fields.skuText == expected.sku, sourceLocation: sourceLocation)
    }
}
