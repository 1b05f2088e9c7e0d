#if canImport(Glibc)
public import Glibc
#else
import Darwin
#endif

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

/// Reads protobuf's pieces off raw bytes, for the messages read by hand on hot paths: the
/// server's `RequestEnvelope` and GetProduct request, the load generator's answers. Each read
/// is bounds-checked once, on the index; nothing is retained or copied, so a message of five
/// fields costs no reference counting (`ByteBuffer`'s reads each retained its storage for a
/// slice and checked its exclusivity, together more than the rest of a cached GetProduct).
/// Length-delimited fields come back as offsets into `bytes`, which the caller slices; an
/// embedded message's cursor reads the same `bytes`, so its offsets are the outer message's too.
///
/// Inlinable: the server and the load generator read every call with it, from other modules.
public struct ProtobufCursor {
    public let bytes: UnsafeRawBufferPointer
    @usableFromInline var index: Int
    /// Where this cursor's message ends in `bytes`.
    @usableFromInline let end: Int

    @inlinable
    public init(_ bytes: UnsafeRawBufferPointer) {
        self.init(bytes, reading: 0..<bytes.count)
    }

    @inlinable
    init(_ bytes: UnsafeRawBufferPointer, reading range: Range<Int>) {
        self.bytes = bytes
        self.index = range.lowerBound
        self.end = range.upperBound
    }

    @inlinable
    public var isAtEnd: Bool { self.index >= self.end }

    /// A field's key. A key is a 32-bit varint: at most 5 bytes, as SwiftProtobuf reads it (a
    /// longer, padded encoding of a small key is refused there too; the fuzzer found the
    /// difference), with a field number above 0.
    @inlinable @inline(__always)
    public mutating func readFieldKey() throws(MalformedMessageError) -> (field: UInt64, wireType: ProtobufWireType) {
        // The usual key, one byte (fields 1-15), without the varint loop.
        if self.index < self.end, case let byte = self.bytes[self.index], byte < 0x80 {
            self.index += 1
            guard byte >> 3 > 0, let wireType = ProtobufWireType(rawValue: UInt64(byte & 7)) else {
                throw MalformedMessageError()
            }
            return (UInt64(byte >> 3), wireType)
        }
        let start = self.index
        let key = try self.readVarint()
        let field = key >> 3
        guard self.index - start <= 5, key <= UInt32.max, field > 0, field <= 0x1FFF_FFFF,
            let wireType = ProtobufWireType(rawValue: key & 7)
        else {
            throw MalformedMessageError()
        }
        return (field, wireType)
    }

    /// A varint of at most 64 bits (ten bytes).
    @inlinable @inline(__always)
    public mutating func readVarint() throws(MalformedMessageError) -> UInt64 {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while shift < 64, self.index < self.end {
            let byte = self.bytes[self.index]
            self.index += 1
            value |= UInt64(byte & 0x7F) << shift
            if byte < 0x80 { return value }
            shift += 7
        }
        throw MalformedMessageError()
    }

    /// A length-delimited value: where its bytes are in `bytes`, skipped here.
    @inlinable @inline(__always)
    mutating func readLengthDelimited() throws(MalformedMessageError) -> Range<Int> {
        let length = try self.readVarint()
        guard length <= UInt64(self.end - self.index) else { throw MalformedMessageError() }
        let start = self.index
        self.index += Int(length)
        return start..<self.index
    }

    /// A length-delimited value as a cursor of its own (an embedded message).
    @inlinable
    public mutating func readMessage() throws(MalformedMessageError) -> ProtobufCursor {
        ProtobufCursor(self.bytes, reading: try self.readLengthDelimited())
    }

    /// Whether the bytes at `range` are `expected`'s, compared in place.
    @inlinable
    public func bytes(at range: Range<Int>, equal expected: [UInt8]) -> Bool {
        range.count == expected.count
            && expected.withUnsafeBytes { expected in
                range.isEmpty
                    || memcmp(self.bytes.baseAddress! + range.lowerBound, expected.baseAddress!, range.count) == 0
            }
    }

    /// Skips the value of a field of `wireType` (an unknown field, or one the reader ignores).
    @inlinable
    public mutating func skipField(_ wireType: ProtobufWireType) throws(MalformedMessageError) {
        switch wireType {
        case .varint:
            _ = try self.readVarint()
        case .lengthDelimited:
            _ = try self.readLengthDelimited()
        case .fixed64, .fixed32:
            let size = wireType == .fixed64 ? 8 : 4
            guard self.end - self.index >= size else { throw MalformedMessageError() }
            self.index += size
        }
    }
}
