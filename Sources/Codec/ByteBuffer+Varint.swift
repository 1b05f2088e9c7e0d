public import NIOCore

/// Protobuf's base-128 varints, for the envelopes written and read by hand on hot paths
/// (the server's success responses, the load generator's requests and answers).
extension ByteBuffer {
    public mutating func writeVarint(_ value: UInt64) {
        // Encoded in place: one capacity check, not one per byte.
        self.writeWithUnsafeMutableBytes(minimumWritableBytes: Self.varintSize(value)) { $0.storeVarint(value, at: 0) }
    }

    /// `nil` when the buffer ends inside the varint or it runs past 64 bits.
    public mutating func readVarint() -> UInt64? {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while shift < 64, let byte = self.readInteger(as: UInt8.self) {
            value |= UInt64(byte & 0x7F) << shift
            if byte < 0x80 { return value }
            shift += 7
        }
        return nil
    }

    /// The bytes `value` takes as a varint: one per started group of seven bits; zero takes one.
    public static func varintSize(_ value: UInt64) -> Int {
        max(1, (64 - value.leadingZeroBitCount + 6) / 7)
    }
}

extension UnsafeMutableRawBufferPointer {
    /// Stores `value` as a varint at `offset`, which must have `ByteBuffer.varintSize(value)`
    /// bytes after it.
    /// - Returns: the bytes stored.
    @inlinable @inline(__always)
    public func storeVarint(_ value: UInt64, at offset: Int) -> Int {
        var value = value
        var index = offset
        while value >= 0x80 {
            self[index] = UInt8(truncatingIfNeeded: value) | 0x80
            value >>= 7
            index += 1
        }
        self[index] = UInt8(value)
        return index + 1 - offset
    }
}
