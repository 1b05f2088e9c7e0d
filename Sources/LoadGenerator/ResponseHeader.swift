import Codec
import NIOCore

/// The two fields of a `Response` the load generator needs, read straight off the frame
/// without decoding the message: `call_id` (field 1) and `status.code` (field 2, field 1).
struct ResponseHeader: Equatable {
    var callID: UInt64
    /// 0 (OK) when the response has no status.
    var code: Int

    init(callID: UInt64, code: Int) {
        self.callID = callID
        self.code = code
    }

    /// `nil` when `body`, a frame's body, is not a well-formed protobuf message.
    ///
    /// Read off the bytes in place: a load run reads a million answers a second, and
    /// `ByteBuffer`'s checked reads of each field cost as much as the rest of the answer.
    init?(body: UnsafeRawBufferPointer) {
        guard let header = try? Self.parse(body) else { return nil }
        self = header
    }

    private static func parse(_ bytes: UnsafeRawBufferPointer) throws(MalformedMessageError) -> ResponseHeader {
        var cursor = ProtobufCursor(bytes)
        var header = ResponseHeader(callID: 0, code: 0)
        while !cursor.isAtEnd {
            switch try cursor.readFieldKey() {
            case (1, .varint):
                header.callID = try cursor.readVarint()
            case (2, .lengthDelimited):  // status; its code is field 1, a varint
                var status = try cursor.readMessage()
                while !status.isAtEnd {
                    switch try status.readFieldKey() {
                    case (1, .varint): header.code = Int(truncatingIfNeeded: try status.readVarint())
                    case (_, let wireType): try status.skipField(wireType)
                    }
                }
            case (_, let wireType):
                try cursor.skipField(wireType)
            }
        }
        return header
    }
}

extension ByteBuffer {
    /// Appends one request frame: `call_id` (field 1) followed by the rest of the `Request`
    /// encoded once beforehand (protobuf fields may come in any order).
    /// Written through one pointer, with one capacity check: the generator writes a million a second.
    mutating func writeRequestFrame(callID: UInt64, tail: [UInt8]) {
        let bodyLength = 1 + Self.varintSize(callID) + tail.count
        self.writeWithUnsafeMutableBytes(minimumWritableBytes: 4 + bodyLength) { destination in
            destination.storeBytes(of: UInt32(bodyLength).bigEndian, as: UInt32.self)
            destination[4] = 0x08
            let index = 5 + destination.storeVarint(callID, at: 5)
            tail.withUnsafeBytes { source in
                UnsafeMutableRawBufferPointer(rebasing: destination[index...]).copyMemory(from: source)
            }
            return 4 + bodyLength
        }
    }
}
