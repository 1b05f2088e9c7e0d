/// A W3C Trace Context `traceparent` (`00-<trace id>-<parent id>-<flags>`), as a caller sends it
/// in metadata: its trace id goes into the call's log lines so they can be found by it, and it
/// is trusted for nothing else. Anything not of that shape is ignored, not an error.
public struct TraceParent: Sendable, Equatable {
    /// 32 lower-case hex digits, not all zero.
    public let traceID: String

    /// Version 00's length; a later version may append fields after a dash.
    private static let length = 55
    /// Longer values are not read at all: a header is small.
    private static let maxLength = 512

    public init?(_ header: String) {
        let bytes = Array(header.utf8.prefix(Self.maxLength + 1))
        guard bytes.count >= Self.length, bytes.count <= Self.maxLength else { return nil }
        // version(2) - trace id(32) - parent id(16) - flags(2)
        guard bytes[2] == UInt8(ascii: "-"), bytes[35] == UInt8(ascii: "-"), bytes[52] == UInt8(ascii: "-") else {
            return nil
        }
        let version = bytes[0..<2]
        let traceID = bytes[3..<35]
        let parentID = bytes[36..<52]
        let flags = bytes[53..<55]
        guard [version, traceID, parentID, flags].allSatisfy({ $0.allSatisfy(Self.isLowerHex) }) else { return nil }
        // Version ff is invalid; version 00 has nothing after the flags; all-zero ids are invalid.
        guard version.elementsEqual("ff".utf8) == false else { return nil }
        guard !version.elementsEqual("00".utf8) || bytes.count == Self.length else { return nil }
        guard bytes.count == Self.length || bytes[55] == UInt8(ascii: "-") else { return nil }
        guard traceID.contains(where: { $0 != UInt8(ascii: "0") }),
            parentID.contains(where: { $0 != UInt8(ascii: "0") })
        else { return nil }
        self.traceID = String(decoding: traceID, as: UTF8.self)
    }

    private static func isLowerHex(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(byte)
    }
}
