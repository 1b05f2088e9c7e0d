import NIOCore

/// Protobuf's base-128 varints, for the envelopes written and read by hand on hot paths
/// (the server's success responses, the load generator's requests and answers).
extension ByteBuffer {
    public mutating func writeVarint(_ value: UInt64) {
        if value < 0x80 {
            self.writeInteger(UInt8(truncatingIfNeeded: value))
            return
        }
        // Encoded on the stack and appended at once: one capacity check, not one per byte.
        var scratch: (UInt64, UInt64) = (0, 0)
        let size = withUnsafeMutableBytes(of: &scratch) { bytes -> Int in
            var value = value
            var size = 0
            while value >= 0x80 {
                bytes[size] = UInt8(truncatingIfNeeded: value) | 0x80
                value >>= 7
                size += 1
            }
            bytes[size] = UInt8(value)
            return size + 1
        }
        _ = withUnsafeBytes(of: &scratch) { self.writeBytes(UnsafeRawBufferPointer(rebasing: $0[..<size])) }
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
