import NIOCore

/// The fields of a `catalog.v1.Request` the server acts on, read straight from the frame.
///
/// Every call's envelope is decoded on the event loop. SwiftProtobuf's `Catalog_V1_Request`
/// costs three allocations there (the method string, the payload copied into `Data`, the
/// metadata map); here the method and the payload stay views into the frame's buffer and of
/// the metadata only `authorization` is kept, so a call without a token allocates nothing.
///
/// Decoding follows protobuf's rules as SwiftProtobuf applies them: fields in any order, the
/// last of a repeated scalar wins, map entries accumulate with the last one per key winning,
/// unknown fields (and known ones of the wrong wire type) are skipped. Two differences, both on input no client of ours produces:
/// unknown fields of the deprecated group wire types are rejected instead of skipped, and
/// only the UTF-8 of the strings the server reads (`authorization`) is checked.
/// `RequestEnvelopeTests` pins it against `Catalog_V1_Request`.
public struct RequestEnvelope: Sendable {
    public private(set) var callID: UInt64 = 0
    /// The method name's UTF-8 bytes, e.g. `catalog.v1.ProductService/GetProduct`.
    public private(set) var method = ByteBuffer()
    /// The `authorization` metadata entry, if the call has one.
    public private(set) var authorization: String?
    /// The call's deadline in milliseconds from its arrival; 0 means the server default.
    public private(set) var timeoutMs: UInt32 = 0
    /// The method's request message, serialized.
    public private(set) var payload = ByteBuffer()

    /// The method name as text, for messages and logs (invalid UTF-8 shows as U+FFFD).
    public var methodName: String { String(buffer: self.method) }

    /// Decodes the `Request` that is `frame`'s readable bytes.
    public init(frame: ByteBuffer) throws(MalformedRequestError) {
        var reader = frame
        while reader.readableBytes > 0 {
            let (field, wireType) = try reader.readFieldKey()
            switch (field, wireType) {
            case (1, .varint):
                self.callID = try reader.readVarintField()
            case (2, .lengthDelimited):
                self.method = try reader.readLengthDelimited()
            case (3, .lengthDelimited):
                var entry = try reader.readLengthDelimited()
                if let value = try entry.readAuthorizationEntry() {
                    self.authorization = value
                }
            case (4, .varint):
                self.timeoutMs = UInt32(truncatingIfNeeded: try reader.readVarintField())
            case (5, .lengthDelimited):
                self.payload = try reader.readLengthDelimited()
            default:
                // Unknown fields, and known ones of another wire type (SwiftProtobuf keeps those as unknown).
                try reader.skipField(wireType)
            }
        }
    }
}

/// The frame's bytes are not a `catalog.v1.Request`.
public struct MalformedRequestError: Error, Sendable {}

/// Protobuf's wire types (groups, 3 and 4, are deprecated and not accepted).
private enum WireType: UInt64 {
    case varint = 0
    case fixed64 = 1
    case lengthDelimited = 2
    case fixed32 = 5
}

extension ByteBuffer {
    fileprivate mutating func readFieldKey() throws(MalformedRequestError) -> (field: UInt64, WireType) {
        let key = try self.readVarintField()
        guard key >> 3 > 0, key >> 3 <= 0x1FFF_FFFF, let wireType = WireType(rawValue: key & 7) else {
            throw MalformedRequestError()
        }
        return (key >> 3, wireType)
    }

    fileprivate mutating func readVarintField() throws(MalformedRequestError) -> UInt64 {
        guard let value = self.readVarint() else { throw MalformedRequestError() }
        return value
    }

    /// A length-delimited field's bytes, sharing this buffer's storage.
    fileprivate mutating func readLengthDelimited() throws(MalformedRequestError) -> ByteBuffer {
        let length = try self.readVarintField()
        guard length <= self.readableBytes, let bytes = self.readSlice(length: Int(length)) else {
            throw MalformedRequestError()
        }
        return bytes
    }

    fileprivate mutating func skipField(_ wireType: WireType) throws(MalformedRequestError) {
        switch wireType {
        case .varint:
            _ = try self.readVarintField()
        case .lengthDelimited:
            _ = try self.readLengthDelimited()
        case .fixed64, .fixed32:
            let size = wireType == .fixed64 ? 8 : 4
            guard self.readableBytes >= size else { throw MalformedRequestError() }
            self.moveReaderIndex(forwardBy: size)
        }
    }

    private static let authorizationKey = ByteBuffer(string: CatalogMetadata.authorization)

    /// The value of a metadata map entry (key 1, value 2) if its key is `authorization`.
    fileprivate mutating func readAuthorizationEntry() throws(MalformedRequestError) -> String? {
        var key = ByteBuffer()
        var value = ByteBuffer()
        while self.readableBytes > 0 {
            let (field, wireType) = try self.readFieldKey()
            switch (field, wireType) {
            case (1, .lengthDelimited):
                key = try self.readLengthDelimited()
            case (2, .lengthDelimited):
                value = try self.readLengthDelimited()
            default:
                try self.skipField(wireType)
            }
        }
        guard key == Self.authorizationKey else { return nil }
        guard let text = String(validating: value.readableBytesView, as: UTF8.self) else {
            throw MalformedRequestError()
        }
        return text
    }
}
