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
        while reader.readableBytes > 0 {
            guard let key = reader.readVarint() else { return nil }
            switch (key >> 3, key & 7) {
            case (1, 0):
                guard let value = reader.readVarint() else { return nil }
                callID = value
            case (2, 2):
                guard let length = reader.readVarint(), var status = reader.readSlice(length: Int(length)) else {
                    return nil
                }
                while status.readableBytes > 0 {
                    guard let statusKey = status.readVarint() else { return nil }
                    if statusKey == 0x08 {
                        guard let value = status.readVarint() else { return nil }
                        code = Int(truncatingIfNeeded: value)
                    } else if !status.skipField(wireType: statusKey & 7) {
                        return nil
                    }
                }
            default:
                guard reader.skipField(wireType: key & 7) else { return nil }
            }
        }
        self.callID = callID
        self.code = code
    }
}

extension ByteBuffer {
    /// Skips one field's value of `wireType`; `false` when the buffer ends first or the type is unknown.
    mutating func skipField(wireType: UInt64) -> Bool {
        switch wireType {
        case 0: return self.readVarint() != nil
        case 1: return self.readSlice(length: 8) != nil
        case 2:
            guard let length = self.readVarint() else { return false }
            return self.readSlice(length: Int(length)) != nil
        case 5: return self.readSlice(length: 4) != nil
        default: return false
        }
    }

    /// Appends one request frame: `call_id` (field 1) followed by the rest of the `Request`
    /// encoded once beforehand (protobuf fields may come in any order).
    mutating func writeRequestFrame(callID: UInt64, tail: [UInt8]) {
        self.writeInteger(UInt32(1 + Self.varintSize(callID) + tail.count))
        self.writeInteger(UInt8(0x08))
        self.writeVarint(callID)
        self.writeBytes(tail)
    }
}
