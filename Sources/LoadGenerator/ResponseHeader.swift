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

    /// `nil` when the frame is not a well-formed protobuf message.
    init?(frame: ByteBuffer) {
        if let header = frame.withUnsafeReadableBytes(Self.readKnownFields) {
            self = header
            return
        }
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

extension ResponseHeader {
    /// The header of a Response made of the fields the generator knows (call_id, status,
    /// payload, in any order), read off the bytes in place: a load run reads a million a second,
    /// and `ByteBuffer`'s checked reads cost as much as the rest of the answer. `nil` for
    /// anything else (another field, a malformed one), which the general reader then takes.
    fileprivate static func readKnownFields(_ bytes: UnsafeRawBufferPointer) -> ResponseHeader? {
        var cursor = RawCursor(bytes: bytes)
        var header = ResponseHeader(callID: 0, code: 0)
        while !cursor.isAtEnd {
            switch cursor.readByte() {
            case 0x08:  // 1: call_id, varint
                guard let callID = cursor.readVarint() else { return nil }
                header.callID = callID
            case 0x12:  // 2: status, length-delimited; its code is field 1, a varint
                guard let length = cursor.readVarint(), var status = cursor.slice(length) else { return nil }
                while !status.isAtEnd {
                    guard status.readByte() == 0x08, let code = status.readVarint() else {
                        return nil  // a message or details: the general reader skips them
                    }
                    header.code = Int(truncatingIfNeeded: code)
                }
            case 0x1A:  // 3: payload, length-delimited: skipped
                guard let length = cursor.readVarint(), cursor.slice(length) != nil else { return nil }
            default:
                return nil
            }
        }
        return header
    }
}

/// Reads protobuf's pieces off raw bytes, each read bounds-checked once.
private struct RawCursor {
    let bytes: UnsafeRawBufferPointer
    var index = 0

    var isAtEnd: Bool { self.index >= self.bytes.count }

    /// The next byte; 0 (no field has tag 0) at the end.
    mutating func readByte() -> UInt8 {
        guard self.index < self.bytes.count else { return 0 }
        defer { self.index += 1 }
        return self.bytes[self.index]
    }

    mutating func readVarint() -> UInt64? {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while shift < 64, self.index < self.bytes.count {
            let byte = self.bytes[self.index]
            self.index += 1
            value |= UInt64(byte & 0x7F) << shift
            if byte < 0x80 { return value }
            shift += 7
        }
        return nil
    }

    /// The next `length` bytes as a cursor of their own, skipped here; `nil` past the end.
    mutating func slice(_ length: UInt64) -> RawCursor? {
        guard length <= UInt64(self.bytes.count - self.index) else { return nil }
        let start = self.index
        self.index += Int(length)
        return RawCursor(bytes: UnsafeRawBufferPointer(rebasing: self.bytes[start..<self.index]))
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
            var index = 5
            var value = callID
            while value >= 0x80 {
                destination[index] = UInt8(truncatingIfNeeded: value) | 0x80
                value >>= 7
                index += 1
            }
            destination[index] = UInt8(value)
            index += 1
            tail.withUnsafeBytes { source in
                UnsafeMutableRawBufferPointer(rebasing: destination[index...]).copyMemory(from: source)
            }
            return 4 + bodyLength
        }
    }
}
