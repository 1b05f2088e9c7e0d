import NIOCore

/// The fields of a `catalog.v1.Request` the server acts on, read straight from the frame.
///
/// Every call's envelope is decoded on the event loop. SwiftProtobuf's `Catalog_V1_Request`
/// costs three allocations there (the method string, the payload copied into `Data`, the
/// metadata map); here the method and the payload stay views into the frame's buffer and of
/// the metadata only `authorization` and `traceparent` are kept, so a call without them
/// allocates nothing.
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
    /// The W3C `traceparent` metadata entry, if the call has one: only ever logged.
    public private(set) var traceparent: String?
    /// The call's deadline in milliseconds from its arrival; 0 means the server default.
    public private(set) var timeoutMs: UInt32 = 0
    /// The method's request message, serialized.
    public private(set) var payload = ByteBuffer()

    /// The method name as text, for messages and logs (invalid UTF-8 shows as U+FFFD).
    public var methodName: String { String(buffer: self.method) }

    /// A call that came by another transport (standard gRPC), which carries these fields itself.
    public init(method: ByteBuffer, authorization: String?, traceparent: String? = nil, payload: ByteBuffer) {
        self.method = method
        self.authorization = authorization
        self.traceparent = traceparent
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
                switch try Self.metadataEntry(&entry) {
                case .authorization(let value): self.authorization = value
                case .traceparent(let value): self.traceparent = value
                case nil: break
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
    private static let traceparentKey = ByteBuffer(string: CatalogMetadata.traceparent)

    /// A metadata entry the server reads.
    private enum MetadataEntry {
        case authorization(String)
        case traceparent(String)
    }

    /// A metadata map entry (key 1, value 2) if its key is one the server reads.
    private static func metadataEntry(_ entry: inout ByteBuffer) throws(MalformedMessageError) -> MetadataEntry? {
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
        let isAuthorization = key == Self.authorizationKey
        guard isAuthorization || key == Self.traceparentKey else { return nil }
        guard let text = String(validating: value.readableBytesView, as: UTF8.self) else {
            throw MalformedMessageError()
        }
        return isAuthorization ? .authorization(text) : .traceparent(text)
    }
}
