import NIOCore

/// GetProduct's request read by hand, straight from the payload: the sku as a slice of the
/// frame, which the server parses into a UUID at once. SwiftProtobuf's
/// `Catalog_V1_GetProductRequest` would make a `String` of it first, the last allocation on
/// the path of a cached GetProduct. Read as SwiftProtobuf reads it (`GetProductRequestFieldsTests`
/// pins both): the last `sku` wins, other fields are skipped.
public struct GetProductRequestFields: Sendable {
    /// The `sku` field's UTF-8 bytes; empty when unset.
    public private(set) var sku = ByteBuffer()

    public init(payload: ByteBuffer) throws(MalformedMessageError) {
        var reader = payload
        while reader.readableBytes > 0 {
            switch try reader.readProtobufFieldKey() {
            case (1, .lengthDelimited):
                self.sku = try reader.readProtobufLengthDelimited()
            case (_, let wireType):
                try reader.skipProtobufField(wireType)
            }
        }
    }
}
