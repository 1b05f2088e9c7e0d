public import Foundation

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
        let parsed = withUnsafeMutableBytes(of: &value) { out -> Bool in
            var index = 0
            for byteIndex in 0..<16 {
                if index == 8 || index == 13 || index == 18 || index == 23 {
                    index += 1
                }
                guard let high = Self.hexValue(bytes[index]), let low = Self.hexValue(bytes[index + 1]) else {
                    return false
                }
                out[byteIndex] = high << 4 | low
                index += 2
            }
            return true
        }
        guard parsed else { return nil }
        self.init(uuid: value)
    }

    @inline(__always)
    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 0x30...0x39: byte - 0x30
        case 0x41...0x46: byte - 0x41 + 10
        case 0x61...0x66: byte - 0x61 + 10
        default: nil
        }
    }
}
