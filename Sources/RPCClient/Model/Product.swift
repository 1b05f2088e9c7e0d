import Codec
public import Foundation
import SwiftProtobuf

/// A product as the server returns it.
public struct Product: Sendable, Hashable {
    /// Lower-case canonical UUID.
    public var sku: String
    public var name: String
    public var brand: String
    /// Minor units of `currency`.
    public var priceCents: Int64
    /// ISO 4217 code, e.g. `MXN`.
    public var currency: String
    /// Anonymous reads counted so far.
    public var views: UInt64
    public var version: UInt64
    public var createTime: Date
    public var updateTime: Date

    init(_ wire: Catalog_V1_Product) {
        self.sku = wire.sku
        self.name = wire.name
        self.brand = wire.brand
        self.priceCents = wire.priceCents
        self.currency = wire.currency
        self.views = wire.views
        self.version = wire.version
        self.createTime = wire.createTime.date
        self.updateTime = wire.updateTime.date
    }

    var wire: Catalog_V1_Product {
        var wire = Catalog_V1_Product()
        wire.sku = self.sku
        wire.name = self.name
        wire.brand = self.brand
        wire.priceCents = self.priceCents
        wire.currency = self.currency
        wire.views = self.views
        wire.version = self.version
        wire.createTime = Google_Protobuf_Timestamp(date: self.createTime)
        wire.updateTime = Google_Protobuf_Timestamp(date: self.updateTime)
        return wire
    }
}

/// One page of a product listing.
public struct ProductPage: Sendable, Hashable {
    public var products: [Product]
    /// Pass it to the next `listProducts`; empty on the last page.
    public var nextPageToken: String
}

/// The serving status Health reports.
public enum ServingStatus: String, Sendable {
    case unknown = "UNKNOWN"
    case serving = "SERVING"
    case notServing = "NOT_SERVING"
}
