import Codec
import NIOCore
import SwiftProtobuf
import Testing

@Suite struct ResponseEncodingTests {
    private func decodeFrame(_ buffer: inout ByteBuffer) throws -> Catalog_V1_Response {
        let length = buffer.readInteger(as: UInt32.self)
        #expect(length.map(Int.init) == buffer.readableBytes)
        return try Catalog_V1_Response(serializedBytes: Array(buffer.readableBytesView))
    }

    @Test(arguments: [UInt64(1), 127, 128, 300, 16_384, UInt64.max])
    func handWrittenEnvelopeDecodesAsTheGeneratedType(callID: UInt64) throws {
        var product = Catalog_V1_Product()
        product.sku = "0b6f1c1e-4b7e-4a3e-9d6a-2f9c1b3a5e71"
        product.name = String(repeating: "n", count: 200)
        product.priceCents = 1999
        var buffer = ByteBuffer()
        try buffer.writeResponseFrame(callID: callID, payload: product)

        let response = try self.decodeFrame(&buffer)
        #expect(response.callID == callID)
        #expect(!response.hasStatus)
        #expect(try Catalog_V1_Product(serializedBytes: response.payload) == product)
        // Byte for byte what SwiftProtobuf writes, so any client parses it.
        let generated: [UInt8] = try Catalog_V1_Response(callID: callID, payload: product).serializedBytes()
        #expect(generated == Self.frameBody(of: try self.handWritten(callID: callID, payload: product)))
    }

    @Test func emptyPayloadEncodesAsNoField() throws {
        var buffer = ByteBuffer()
        try buffer.writeResponseFrame(callID: 9, payload: Catalog_V1_DeleteProductResponse())
        let response = try self.decodeFrame(&buffer)
        #expect(response.callID == 9)
        #expect(response.payload.isEmpty)
    }

    @Test func framesAppendAfterWhatTheBufferHolds() throws {
        // The handler gathers a burst's answers in one buffer; each frame goes after the last.
        var buffer = ByteBuffer(bytes: [0xEE])
        buffer.moveReaderIndex(forwardBy: 1)
        buffer.writeResponseFrame(callID: 200, serializedPayload: [1, 2, 3])
        buffer.writeResponseFrame(callID: 1, serializedPayload: Array(repeating: 9, count: 300))
        for (callID, payload) in [(UInt64(200), [UInt8]([1, 2, 3])), (1, Array(repeating: 9, count: 300))] {
            let length = buffer.readInteger(as: UInt32.self) ?? 0
            let frame = buffer.readSlice(length: Int(length)) ?? ByteBuffer()
            let response = try Catalog_V1_Response(serializedBytes: Array(frame.readableBytesView))
            #expect(response.callID == callID && Array(response.payload) == payload)
        }
        #expect(buffer.readableBytes == 0)
    }

    @Test func statusRoundTripsThroughTheWire() throws {
        let status = RPCStatus(
            .invalidArgument,
            "invalid name",
            fieldViolations: [RPCStatus.FieldViolation(field: "name", description: "must not be empty")]
        )
        let response = Catalog_V1_Response(callID: 3, status: status)
        let decoded = try Catalog_V1_Response(serializedBytes: try response.serializedBytes() as [UInt8])
        #expect(RPCStatus(decoded.status) == status)
        #expect(RPCStatus(Catalog_V1_Status()) == nil)
    }

    private func handWritten(callID: UInt64, payload: Catalog_V1_Product) throws -> ByteBuffer {
        var buffer = ByteBuffer()
        try buffer.writeResponseFrame(callID: callID, payload: payload)
        return buffer
    }

    private static func frameBody(of frame: ByteBuffer) -> [UInt8] {
        Array(frame.readableBytesView.dropFirst(4))
    }
}
