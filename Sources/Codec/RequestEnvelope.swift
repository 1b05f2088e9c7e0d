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

    /// A call that came by another transport (standard gRPC), which carries these fields itself.
    public init(method: ByteBuffer, authorization: String?, payload: ByteBuffer) {
        self.method = method
        self.authorization = authorization
        self.payload = payload
    }

    /// Decodes the `Request` that is `frame`'s readable bytes.
    public init(frame: ByteBuffer) throws(MalformedMessageError) {
        var reader = frame
        while reader.readableBytes > 0 {
            let (field, wireType) = try reader.readProtobufFieldKey()
            switch (field, wireType) {
            case (1, .varint):
                self.callID = try reader.readProtobufVarint()
            case (2, .lengthDelimited):
                self.method = try reader.readProtobufLengthDelimited()
            case (3, .lengthDelimited):
                var entry = try reader.readProtobufLengthDelimited()
                if let value = try Self.authorization(inMetadataEntry: &entry) {
                    self.authorization = value
                }
            case (4, .varint):
                self.timeoutMs = UInt32(truncatingIfNeeded: try reader.readProtobufVarint())
            case (5, .lengthDelimited):
                self.payload = try reader.readProtobufLengthDelimited()
            default:
                // Unknown fields, and known ones of another wire type (SwiftProtobuf keeps those as unknown).
                try reader.skipProtobufField(wireType)
            }
        }
    }

    private static let authorizationKey = ByteBuffer(string: CatalogMetadata.authorization)

    /// The value of a metadata map entry (key 1, value 2) if its key is `authorization`.
    private static func authorization(inMetadataEntry entry: inout ByteBuffer) throws(MalformedMessageError) -> String?
    {
        var key = ByteBuffer()
        var value = ByteBuffer()
        while entry.readableBytes > 0 {
            let (field, wireType) = try entry.readProtobufFieldKey()
            switch (field, wireType) {
            case (1, .lengthDelimited):
                key = try entry.readProtobufLengthDelimited()
            case (2, .lengthDelimited):
                value = try entry.readProtobufLengthDelimited()
            default:
                try entry.skipProtobufField(wireType)
            }
        }
        guard key == Self.authorizationKey else { return nil }
        guard let text = String(validating: value.readableBytesView, as: UTF8.self) else {
            throw MalformedMessageError()
        }
        return text
    }
}
