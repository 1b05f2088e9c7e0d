import NIOCore
import SwiftProtobuf

extension ByteBuffer {
    /// Appends one frame holding a successful `Response` for `callID` with `payload` serialized in it.
    ///
    /// The envelope is written by hand (field 1 `call_id` as a varint, field 3 `payload` as
    /// length-delimited bytes, exactly as protobuf encodes them) so that the payload is
    /// serialized once, straight into the outbound buffer, with no intermediate
    /// `Catalog_V1_Response` copy. Tests decode it with the generated type.
    public mutating func writeResponseFrame(callID: UInt64, payload: some SwiftProtobuf.Message) throws {
        self.writeResponseFrame(callID: callID, serializedPayload: try payload.serializedBytes())
    }

    /// Appends one frame holding a successful `Response` for `callID` whose payload was
    /// serialized before (a cached product's wire form).
    public mutating func writeResponseFrame(callID: UInt64, serializedPayload body: [UInt8]) {
        let callIDFieldSize = callID == 0 ? 0 : 1 + Self.varintSize(callID)
        let payloadFieldSize = body.isEmpty ? 0 : 1 + Self.varintSize(UInt64(body.count)) + body.count
        let envelopeSize = callIDFieldSize + payloadFieldSize
        self.reserveCapacity(minimumWritableBytes: FrameDecoder.lengthFieldSize + envelopeSize)
        self.writeInteger(UInt32(envelopeSize))
        if callID != 0 {
            self.writeInteger(UInt8(0x08))  // field 1, varint
            self.writeVarint(callID)
        }
        if !body.isEmpty {
            self.writeInteger(UInt8(0x1A))  // field 3, length-delimited
            self.writeVarint(UInt64(body.count))
            self.writeBytes(body)
        }
    }

}
