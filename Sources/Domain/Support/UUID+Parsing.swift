import Foundation

extension UUID {
    /// Parses the 36-character `8-4-4-4-12` hexadecimal form, in either case, exactly as
    /// `UUID(uuidString:)` accepts it, but without Foundation's `sscanf`-based parser, which
    /// cost more than the rest of a cached GetProduct.
    public init?(parsing text: String) {
        var text = text
        guard let uuid = text.withUTF8({ UUID(parsingUTF8: UnsafeRawBufferPointer($0)) }) else { return nil }
        self = uuid
    }

    /// `init(parsing:)` of UTF-8 bytes, such as a request's field read straight from its frame.
    public init?(parsingUTF8 bytes: UnsafeRawBufferPointer) {
        guard bytes.count == 36, bytes[8] == 0x2D, bytes[13] == 0x2D, bytes[18] == 0x2D, bytes[23] == 0x2D else {
            return nil
        }
        var value: uuid_t = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        // Every digit is decoded and the bad ones noticed at the end: no branch per character
        // on the hot path of GetProduct, which parses one sku per call.
        let invalid = withUnsafeMutableBytes(of: &value) { out -> UInt8 in
            var invalid: UInt8 = 0
            var index = 0
            for byteIndex in 0..<16 {
                let high = Self.hexValue(bytes[index])
                let low = Self.hexValue(bytes[index + 1])
                invalid |= high | low
                out[byteIndex] = high << 4 | low
                // Past the byte's two digits, and past the hyphen after bytes 3, 5, 7 and 9.
                index += 2 + (Self.hyphenAfter >> byteIndex) & 1
            }
            return invalid
        }
        guard invalid & 0xF0 == 0 else { return nil }
        self.init(uuid: value)
    }

    /// Bit n is set when a hyphen follows the UUID's byte n (the `8-4-4-4-12` groups).
    private static let hyphenAfter = 1 << 3 | 1 << 5 | 1 << 7 | 1 << 9

    /// A hexadecimal digit's value in either case, or 0xFF for any other byte.
    @inline(__always)
    private static func hexValue(_ byte: UInt8) -> UInt8 {
        let digit = byte &- 0x30  // '0'...'9' become 0...9
        let letter = (byte | 0x20) &- 0x61  // 'A'...'F' and 'a'...'f' become 0...5
        return digit < 10 ? digit : letter < 6 ? letter &+ 10 : 0xFF
    }
}
