import NIOCore

#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

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
    /// The `authorization` metadata entry, if the call has one.
    public private(set) var authorization: String?
    /// The W3C `traceparent` metadata entry, if the call has one: only ever logged.
    public private(set) var traceparent: String?
    /// The call's deadline in milliseconds from its arrival; 0 means the server default.
    public private(set) var timeoutMs: UInt32 = 0
    /// The frame the method and payload are read from. One buffer and offsets into it, not a
    /// slice per field: every copy of the envelope on its way to the handler would retain each.
    private let bytes: ByteBuffer
    private var methodRange: Range<Int> = 0..<0
    private var payloadRange: Range<Int> = 0..<0

    /// The method name's UTF-8 bytes, e.g. `catalog.v1.ProductService/GetProduct`.
    public var method: ByteBuffer { self.slice(self.methodRange) }

    /// The method's request message, serialized: a view into the frame, made at each use.
    public var payload: ByteBuffer { self.slice(self.payloadRange) }

    /// The method name as text, for messages and logs (invalid UTF-8 shows as U+FFFD).
    public var methodName: String { String(buffer: self.method) }

    /// Whether the method is `name` (the UTF-8 of a method name), compared in place.
    public func methodIs(_ name: UnsafeRawBufferPointer) -> Bool {
        self.bytes.withUnsafeReadableBytes { bytes in
            let method = UnsafeRawBufferPointer(rebasing: bytes[self.methodRange])
            return method.count == name.count
                && (name.isEmpty || memcmp(method.baseAddress!, name.baseAddress!, name.count) == 0)
        }
    }

    /// A call that came by another transport (standard gRPC), which carries these fields itself.
    public init(method: ByteBuffer, authorization: String?, traceparent: String? = nil, payload: ByteBuffer) {
        var bytes = ByteBuffer()
        bytes.reserveCapacity(method.readableBytes + payload.readableBytes)
        bytes.writeImmutableBuffer(method)
        bytes.writeImmutableBuffer(payload)
        self.bytes = bytes
        self.methodRange = 0..<method.readableBytes
        self.payloadRange = method.readableBytes..<bytes.readableBytes
        self.authorization = authorization
        self.traceparent = traceparent
    }

    /// Decodes the `Request` that is `frame`'s readable bytes.
    public init(frame: ByteBuffer) throws(MalformedMessageError) {
        self.bytes = frame
        // Read in place: the fields' offsets are relative to the frame's readable bytes.
        try frame.withUnsafeReadableBytes { (bytes) throws(MalformedMessageError) in
            var reader = ProtobufCursor(bytes)
            while !reader.isAtEnd {
                let (field, wireType) = try reader.readFieldKey()
                switch (field, wireType) {
                case (1, .varint):
                    self.callID = try reader.readVarint()
                case (2, .lengthDelimited):
                    self.methodRange = try reader.readLengthDelimited()
                case (3, .lengthDelimited):
                    var entry = try reader.readMessage()
                    switch try Self.metadataEntry(&entry) {
                    case .authorization(let value): self.authorization = value
                    case .traceparent(let value): self.traceparent = value
                    case nil: break
                    }
                case (4, .varint):
                    self.timeoutMs = UInt32(truncatingIfNeeded: try reader.readVarint())
                case (5, .lengthDelimited):
                    self.payloadRange = try reader.readLengthDelimited()
                default:
                    // Unknown fields, and known ones of another wire type (SwiftProtobuf keeps those as unknown).
                    try reader.skipField(wireType)
                }
            }
        }
    }

    private func slice(_ range: Range<Int>) -> ByteBuffer {
        self.bytes.getSlice(at: self.bytes.readerIndex + range.lowerBound, length: range.count)!
    }

    private static let authorizationKey = Array(CatalogMetadata.authorization.utf8)
    private static let traceparentKey = Array(CatalogMetadata.traceparent.utf8)

    /// A metadata entry the server reads.
    private enum MetadataEntry {
        case authorization(String)
        case traceparent(String)
    }

    /// A metadata map entry (key 1, value 2) if its key is one the server reads.
    private static func metadataEntry(_ entry: inout ProtobufCursor) throws(MalformedMessageError) -> MetadataEntry? {
        var key: Range<Int> = 0..<0
        var value: Range<Int> = 0..<0
        while !entry.isAtEnd {
            let (field, wireType) = try entry.readFieldKey()
            switch (field, wireType) {
            case (1, .lengthDelimited):
                key = try entry.readLengthDelimited()
            case (2, .lengthDelimited):
                value = try entry.readLengthDelimited()
            default:
                try entry.skipField(wireType)
            }
        }
        let keyBytes = entry.bytes[key]
        let isAuthorization = keyBytes.elementsEqual(Self.authorizationKey)
        guard isAuthorization || keyBytes.elementsEqual(Self.traceparentKey) else { return nil }
        guard let text = String(validating: entry.bytes[value], as: UTF8.self) else {
            throw MalformedMessageError()
        }
        return isAuthorization ? .authorization(text) : .traceparent(text)
    }
}
