public import NIOCore
public import SwiftProtobuf

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
    ///
    /// Written through one pointer, with one capacity check: this is every cached GetProduct's
    /// answer, and a write per field checked capacity and exclusivity each time.
    public mutating func writeResponseFrame(callID: UInt64, serializedPayload body: [UInt8]) {
        let callIDFieldSize = callID == 0 ? 0 : 1 + Self.varintSize(callID)
        let payloadFieldSize = body.isEmpty ? 0 : 1 + Self.varintSize(UInt64(body.count)) + body.count
        let envelopeSize = callIDFieldSize + payloadFieldSize
        let frameSize = FrameDecoder.lengthFieldSize + envelopeSize
        self.writeWithUnsafeMutableBytes(minimumWritableBytes: frameSize) { frame in
            frame.storeBytes(of: UInt32(envelopeSize).bigEndian, toByteOffset: 0, as: UInt32.self)
            var index = FrameDecoder.lengthFieldSize
            if callID != 0 {
                frame[index] = 0x08  // field 1, varint
                index += 1 + frame.storeVarint(callID, at: index + 1)
            }
            if !body.isEmpty {
                frame[index] = 0x1A  // field 3, length-delimited
                index += 1 + frame.storeVarint(UInt64(body.count), at: index + 1)
                body.withUnsafeBytes { UnsafeMutableRawBufferPointer(rebasing: frame[index...]).copyMemory(from: $0) }
            }
            return frameSize
        }
    }
}
