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
    ///
    /// Read off the bytes in place: a load run reads a million answers a second, and
    /// `ByteBuffer`'s checked reads of each field cost as much as the rest of the answer.
    init?(frame: ByteBuffer) {
        guard let header = frame.withUnsafeReadableBytes(Self.read) else { return nil }
        self = header
    }

    private static func read(_ bytes: UnsafeRawBufferPointer) -> ResponseHeader? {
        var cursor = RawCursor(bytes: bytes)
        var header = ResponseHeader(callID: 0, code: 0)
        while !cursor.isAtEnd {
            guard let key = cursor.readVarint() else { return nil }
            switch (key >> 3, key & 7) {
            case (1, 0):  // call_id
                guard let callID = cursor.readVarint() else { return nil }
                header.callID = callID
            case (2, 2):  // status; its code is field 1, a varint
                guard let length = cursor.readVarint(), var status = cursor.slice(length) else { return nil }
                while !status.isAtEnd {
                    guard let statusKey = status.readVarint() else { return nil }
                    if statusKey == 0x08 {
                        guard let code = status.readVarint() else { return nil }
                        header.code = Int(truncatingIfNeeded: code)
                    } else if !status.skipField(wireType: statusKey & 7) {
                        return nil
                    }
                }
            default:
                guard cursor.skipField(wireType: key & 7) else { return nil }
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

    /// Skips a field's value; false for a wire type without one (groups) or one cut off.
    mutating func skipField(wireType: UInt64) -> Bool {
        switch wireType {
        case 0: return self.readVarint() != nil
        case 1: return self.slice(8) != nil
        case 2: return self.readVarint().flatMap { self.slice($0) } != nil
        case 5: return self.slice(4) != nil
        default: return false
        }
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
