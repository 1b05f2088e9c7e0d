import Codec
import Foundation
import NIOCore
import SwiftProtobuf
import Testing

@testable import LoadGenerator

/// The generator writes its requests and reads its answers by hand: both agree with SwiftProtobuf.
@Suite struct RequestFramingTests {
    @Test func aRequestFrameIsTheCallIDBeforeThePreEncodedRest() throws {
        let tail = try LoadPlan.getProductRequestTail(sku: "0d4f6c2e-9a3b-4f1e-8c7d-5b2a1e3f4c6d", accessToken: "t")
        var frame = ByteBuffer()
        frame.writeRequestFrame(callID: 300, tail: tail)
        let length = frame.readInteger(as: UInt32.self)
        #expect(length.map(Int.init) == frame.readableBytes)
        let request = try Catalog_V1_Request(serializedBytes: Array(frame.readableBytesView))
        #expect(request.callID == 300)
        #expect(request.method == CatalogMethod.getProduct)
        #expect(request.metadata == [CatalogMetadata.authorization: "Bearer t"])
        let get = try Catalog_V1_GetProductRequest(serializedBytes: request.payload)
        #expect(get.sku == "0d4f6c2e-9a3b-4f1e-8c7d-5b2a1e3f4c6d")
        let anonymous = try Catalog_V1_Request(
            serializedBytes: try LoadPlan.getProductRequestTail(sku: "x", accessToken: nil)
        )
        #expect(anonymous.metadata.isEmpty, "anonymous: no authorization")
    }

    @Test func theResponseHeaderIsReadWithoutDecodingTheMessage() throws {
        var response = Catalog_V1_Response()
        response.callID = 1 << 40
        response.payload = Data([1, 2, 3])
        let okBytes: [UInt8] = try response.serializedBytes()
        let ok = try #require(ResponseHeader(frame: ByteBuffer(bytes: okBytes)))
        #expect(ok.callID == 1 << 40 && ok.code == 0)
        response.status.code = .notFound
        response.status.message = "no such product"
        let notFoundBytes: [UInt8] = try response.serializedBytes()
        let notFound = try #require(ResponseHeader(frame: ByteBuffer(bytes: notFoundBytes)))
        #expect(notFound.callID == 1 << 40 && notFound.code == 5)
        #expect(ResponseHeader(frame: ByteBuffer(bytes: [0x08])) == nil, "a truncated varint")
    }
}

/// The fast reader of answers agrees with SwiftProtobuf whatever the field order, and leaves
/// what it does not know to the general reader.
@Suite struct ResponseHeaderFieldOrderTests {
    @Test func fieldsInAnyOrderAndUnknownOnesAreRead() throws {
        var status = Catalog_V1_Status()
        status.code = .permissionDenied
        status.message = "no"
        let statusBytes: [UInt8] = try status.serializedBytes()
        var callID = ByteBuffer()
        callID.writeInteger(UInt8(0x08))
        callID.writeVarint(1 << 35)
        var statusField = ByteBuffer()
        statusField.writeInteger(UInt8(0x12))
        statusField.writeVarint(UInt64(statusBytes.count))
        statusField.writeBytes(statusBytes)
        let payloadField = ByteBuffer(bytes: [0x1A, 3, 1, 2, 3])
        let unknownField = ByteBuffer(bytes: [0x20, 0x05])  // field 4, a varint
        for order in [
            [callID, statusField, payloadField], [payloadField, statusField, callID],
            [statusField, unknownField, callID],
        ] {
            var frame = ByteBuffer()
            for var field in order {
                frame.writeBuffer(&field)
            }
            #expect(ResponseHeader(frame: frame) == ResponseHeader(callID: 1 << 35, code: 7))
        }
        #expect(ResponseHeader(frame: ByteBuffer(bytes: [0x08, 0x80])) == nil, "a varint cut off")
        #expect(ResponseHeader(frame: ByteBuffer(bytes: [0x08, 0x01, 0x1A, 0x09, 0x00])) == nil, "a payload cut off")
    }
}
