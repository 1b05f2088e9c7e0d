public import NIOCore

/// GetProduct's request read by hand, straight from the payload: the sku stays in the frame,
/// which the server parses into a UUID at once. SwiftProtobuf's
/// `Catalog_V1_GetProductRequest` would make a `String` of it first, the last allocation on
/// the path of a cached GetProduct. Read as SwiftProtobuf reads it (`GetProductRequestFieldsTests`
/// pins both): the last `sku` wins, other fields are skipped.
public struct GetProductRequestFields: Sendable {
    @usableFromInline let payload: ByteBuffer
    /// Where the `sku` field's UTF-8 is in the payload's readable bytes; empty when unset.
    @usableFromInline var skuRange: Range<Int> = 0..<0

    public init(payload: ByteBuffer) throws(MalformedMessageError) {
        self.payload = payload
        try payload.withUnsafeReadableBytes { (bytes) throws(MalformedMessageError) in
            var reader = ProtobufCursor(bytes)
            while !reader.isAtEnd {
                switch try reader.readFieldKey() {
                case (1, .lengthDelimited):
                    self.skuRange = try reader.readLengthDelimited()
                case (_, let wireType):
                    try reader.skipField(wireType)
                }
            }
        }
    }

    /// The `sku` field's UTF-8 bytes, read in place (inlinable: generic, on GetProduct's path).
    @inlinable
    public func withSku<Result, Failure: Error>(
        _ body: (UnsafeRawBufferPointer) throws(Failure) -> Result
    ) throws(Failure) -> Result {
        try self.payload.withUnsafeReadableBytes { (bytes) throws(Failure) in
            try body(UnsafeRawBufferPointer(rebasing: bytes[self.skuRange]))
        }
    }

    /// The `sku` field's UTF-8 bytes as text (invalid UTF-8 shows as U+FFFD).
    public var skuText: String { self.withSku { String(decoding: $0, as: UTF8.self) } }
}
