import Codec
import Foundation
import SwiftProtobuf

/// What the ceiling servers share: the product they answer with, and their flags.
public enum BenchFixtures {
    /// A serialized product like those the bench creates, so that a ceiling's answer is the
    /// size of a real GetProduct answer.
    public static func productBytes() throws -> [UInt8] {
        var product = Catalog_V1_Product()
        product.sku = "0d4f6c2e-9a3b-4f1e-8c7d-5b2a1e3f4c6d"
        product.name = "Bench product 12"
        product.brand = "bench"
        product.priceCents = 1200
        product.currency = "MXN"
        product.views = 123_456
        product.version = 1
        product.createTime = Google_Protobuf_Timestamp(date: Date())
        product.updateTime = product.createTime
        return try product.serializedBytes()
    }

    /// The value after `name` on the command line, if any.
    public static func option(_ name: String) -> String? {
        let arguments = CommandLine.arguments
        guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count else { return nil }
        return arguments[index + 1]
    }
}
