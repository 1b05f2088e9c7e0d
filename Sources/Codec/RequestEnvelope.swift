public import NIOCore

/// The fields of a `catalog.v1.Request` the server acts on, read straight from the frame.
///
/// Every call's envelope is decoded on the event loop. SwiftProtobuf's `Catalog_V1_Request`
/// costs three allocations there (the method string, the payload copied into `Data`, the
/// metadata map); here every field the server reads stays where it is in the frame's buffer
/// (of the metadata only `authorization` and `traceparent`), so reading a call allocates
/// nothing, and an admin's token is compared with the connection's last one in place.
///
/// Decoding follows protobuf's rules as SwiftProtobuf applies them: fields in any order, the
/// last of a repeated scalar wins, map entries accumulate with the last one per key winning,
/// unknown fields (and known ones of the wrong wire type) are skipped. Two differences, both on input no client of ours produces:
/// unknown fields of the deprecated group wire types are rejected instead of skipped, and
/// only the UTF-8 of the strings the server reads (`authorization`, `traceparent`) is checked.
/// `RequestEnvelopeTests` pins it against `Catalog_V1_Request`.
public struct RequestEnvelope: Sendable {
    public private(set) var callID: UInt64 = 0
    /// The call's deadline in milliseconds from its arrival; 0 means the server default.
    public private(set) var timeoutMs: UInt32 = 0
    /// The frame the fields are read from. One buffer and offsets into it, not a slice or a
    /// string per field: every copy of the envelope on its way to the handler would retain
    /// each, and an admin's token would be copied into a new `String` on every call.
    private let bytes: ByteBuffer
    private var methodRange: Range<Int> = 0..<0
    private var payloadRange: Range<Int> = 0..<0
    private var authorizationRange: Range<Int>?
    private var traceparentRange: Range<Int>?

    /// The method name's UTF-8 bytes, e.g. `catalog.v1.ProductService/GetProduct`.
    public var method: ByteBuffer { self.slice(self.methodRange) }

    /// The method's request message, serialized: a view into the frame, made at each use.
    public var payload: ByteBuffer { self.slice(self.payloadRange) }

    /// The method name as text, for messages and logs (invalid UTF-8 shows as U+FFFD).
    public var methodName: String { String(buffer: self.method) }

    /// The `authorization` metadata entry, if the call has one.
    public var authorization: String? { self.authorizationRange.map(self.text) }

    /// The W3C `traceparent` metadata entry, if the call has one: only ever logged.
    public var traceparent: String? { self.traceparentRange.map(self.text) }

    /// Whether the method is `name` (its UTF-8), compared in place.
    public func methodIs(_ name: [UInt8]) -> Bool {
        self.field(at: self.methodRange, is: name)
    }

    /// Whether the call has an `authorization` entry, without making it text.
    public var hasAuthorization: Bool { self.authorizationRange != nil }

    /// Whether the call has an `authorization` entry and it is `value` (its UTF-8), compared in place.
    public func authorizationIs(_ value: [UInt8]) -> Bool {
        guard let range = self.authorizationRange else { return false }
        return self.field(at: range, is: value)
    }

    /// A call that came by another transport (standard gRPC), which carries these fields itself.
    public init(method: ByteBuffer, authorization: String?, traceparent: String? = nil, payload: ByteBuffer) {
        var bytes = ByteBuffer()
        func append(_ field: ByteBuffer) -> Range<Int> {
            let start = bytes.readableBytes
            bytes.writeImmutableBuffer(field)
            return start..<bytes.readableBytes
        }
        self.methodRange = append(method)
        self.payloadRange = append(payload)
        self.authorizationRange = authorization.map { append(ByteBuffer(string: $0)) }
        self.traceparentRange = traceparent.map { append(ByteBuffer(string: $0)) }
        self.bytes = bytes
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
                    case .authorization(let value): self.authorizationRange = value
                    case .traceparent(let value): self.traceparentRange = value
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

    /// Whether the frame's bytes at `range` are `expected`, compared in place.
    private func field(at range: Range<Int>, is expected: [UInt8]) -> Bool {
        self.bytes.withUnsafeReadableBytes { ProtobufCursor($0).bytes(at: range, equal: expected) }
    }

    private func slice(_ range: Range<Int>) -> ByteBuffer {
        self.bytes.getSlice(at: self.bytes.readerIndex + range.lowerBound, length: range.count)!
    }

    /// A field's UTF-8, checked when the envelope was read.
    private func text(_ range: Range<Int>) -> String {
        self.bytes.getString(at: self.bytes.readerIndex + range.lowerBound, length: range.count)!
    }

    private static let authorizationKey = Array(CatalogMetadata.authorization.utf8)
    private static let traceparentKey = Array(CatalogMetadata.traceparent.utf8)

    /// A metadata entry the server reads: where its value is.
    private enum MetadataEntry {
        case authorization(Range<Int>)
        case traceparent(Range<Int>)
    }

    /// A metadata map entry (key 1, value 2) if its key is one the server reads. Its value's
    /// UTF-8 is checked here, as SwiftProtobuf checks a string's, though it becomes text only
    /// when asked for.
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
        let isAuthorization = entry.bytes(at: key, equal: Self.authorizationKey)
        guard isAuthorization || entry.bytes(at: key, equal: Self.traceparentKey) else { return nil }
        guard Self.isUTF8(UnsafeRawBufferPointer(rebasing: entry.bytes[value])) else {
            throw MalformedMessageError()
        }
        return isAuthorization ? .authorization(value) : .traceparent(value)
    }

    /// Whether `bytes` are UTF-8: at once for ASCII (a bearer token is), else by decoding them.
    private static func isUTF8(_ bytes: UnsafeRawBufferPointer) -> Bool {
        Self.isASCII(bytes) || String(validating: bytes, as: UTF8.self) != nil
    }

    /// Eight bytes at a time, with no early exit, so that the loop vectorizes: a byte at a time
    /// took 9% of an admin call's server time (its token is some 300 bytes).
    private static func isASCII(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var highBits: UInt64 = 0
        var index = 0
        while index + 8 <= bytes.count {
            highBits |= bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self)
            index += 8
        }
        while index < bytes.count {
            highBits |= UInt64(bytes[index])
            index += 1
        }
        return highBits & 0x8080_8080_8080_8080 == 0
    }
}
