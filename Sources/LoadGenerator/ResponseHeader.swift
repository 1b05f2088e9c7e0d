import Codec
import NIOCore

/// The two fields of a `Response` the load generator needs, read straight off the frame
/// without decoding the message: `call_id` (field 1) and `status.code` (field 2, field 1).
struct ResponseHeader: Equatable {
    var callID: UInt64
    /// 0 (OK) when the response has no status.
    var code: Int

    /// `nil` when the frame is not a well-formed protobuf message.
    init?(frame: ByteBuffer) {
        var reader = frame
        var callID: UInt64 = 0
        var code = 0
        do {
            while reader.readableBytes > 0 {
                switch try reader.readProtobufFieldKey() {
                case (1, .varint):
                    callID = try reader.readProtobufVarint()
                case (2, .lengthDelimited):
                    var status = try reader.readProtobufLengthDelimited()
                    while status.readableBytes > 0 {
                        switch try status.readProtobufFieldKey() {
                        case (1, .varint):
                            code = Int(truncatingIfNeeded: try status.readProtobufVarint())
                        case (_, let wireType):
                            try status.skipProtobufField(wireType)
                        }
                    }
                case (_, let wireType):
                    try reader.skipProtobufField(wireType)
                }
            }
        } catch {
            return nil
        }
        self.callID = callID
        self.code = code
    }
}

extension ByteBuffer {
    /// Appends one request frame: `call_id` (field 1) followed by the rest of the `Request`
    /// encoded once beforehand (protobuf fields may come in any order).
    mutating func writeRequestFrame(callID: UInt64, tail: [UInt8]) {
        self.writeInteger(UInt32(1 + Self.varintSize(callID) + tail.count))
        self.writeInteger(UInt8(0x08))
        self.writeVarint(callID)
        self.writeBytes(tail)
    }
}
