import NIOCore

/// The wire types the hand-written readers accept; groups (3 and 4) are deprecated and
/// refused.
public enum ProtobufWireType: UInt64, Sendable {
    case varint = 0
    case fixed64 = 1
    case lengthDelimited = 2
    case fixed32 = 5
}

/// The bytes are not a well-formed protobuf message.
public struct MalformedMessageError: Error, Sendable {
    public init() {}
}

/// Protobuf's field primitives, for the messages read by hand on hot paths: the server's
/// `RequestEnvelope` and the load generator's response header. Length-delimited fields come
/// back as slices sharing this buffer's storage.
extension ByteBuffer {
    public mutating func readProtobufFieldKey() throws(MalformedMessageError) -> (
        field: UInt64, wireType: ProtobufWireType
    ) {
        let start = self.readerIndex
        let key = try self.readProtobufVarint()
        let field = key >> 3
        // A key is a 32-bit varint: at most 5 bytes, as SwiftProtobuf reads it (a longer, padded
        // encoding of a small key is refused there too; the fuzzer found the difference).
        guard self.readerIndex - start <= 5, key <= UInt32.max, field > 0, field <= 0x1FFF_FFFF,
            let wireType = ProtobufWireType(rawValue: key & 7)
        else {
            throw MalformedMessageError()
        }
        return (field, wireType)
    }

    public mutating func readProtobufVarint() throws(MalformedMessageError) -> UInt64 {
        guard let value = self.readVarint() else { throw MalformedMessageError() }
        return value
    }

    public mutating func readProtobufLengthDelimited() throws(MalformedMessageError) -> ByteBuffer {
        let length = try self.readProtobufVarint()
        guard length <= self.readableBytes, let bytes = self.readSlice(length: Int(length)) else {
            throw MalformedMessageError()
        }
        return bytes
    }

    /// Skips the value of a field of `wireType` (an unknown field, or one the reader ignores).
    public mutating func skipProtobufField(_ wireType: ProtobufWireType) throws(MalformedMessageError) {
        switch wireType {
        case .varint:
            _ = try self.readProtobufVarint()
        case .lengthDelimited:
            _ = try self.readProtobufLengthDelimited()
        case .fixed64, .fixed32:
            let size = wireType == .fixed64 ? 8 : 4
            guard self.readableBytes >= size else { throw MalformedMessageError() }
            self.moveReaderIndex(forwardBy: size)
        }
    }
}
