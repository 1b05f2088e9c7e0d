import Codec
public import Foundation
import SwiftProtobuf

/// A product's views in a report's window and in the window before.
public struct ProductViews: Sendable, Hashable {
    public var sku: String
    /// The name and brand, or the last ones of a deleted product.
    public var name: String
    public var brand: String
    public var views: UInt64
    public var previousViews: UInt64
    public var deleted: Bool
}

/// TopProducts' answer: the window the server used and its products, most viewed first.
public struct TopProductsReport: Sendable, Hashable {
    public var start: Date
    public var end: Date
    public var products: [ProductViews]

    let wire: Catalog_V1_TopProductsResponse

    init(_ wire: Catalog_V1_TopProductsResponse) {
        self.wire = wire
        self.start = wire.startTime.date
        self.end = wire.endTime.date
        self.products = wire.products.map {
            ProductViews(
                sku: $0.sku,
                name: $0.name,
                brand: $0.brand,
                views: $0.views,
                previousViews: $0.previousViews,
                deleted: $0.deleted
            )
        }
    }
}

/// A brand's views in a report's window and in the window before.
public struct BrandViews: Sendable, Hashable {
    public var brand: String
    public var views: UInt64
    public var previousViews: UInt64
}

/// BrandViews' answer: the window the server used and its brands, most viewed first.
public struct BrandViewsReport: Sendable, Hashable {
    public var start: Date
    public var end: Date
    public var brands: [BrandViews]

    let wire: Catalog_V1_BrandViewsResponse

    init(_ wire: Catalog_V1_BrandViewsResponse) {
        self.wire = wire
        self.start = wire.startTime.date
        self.end = wire.endTime.date
        self.brands = wire.brands.map { BrandViews(brand: $0.brand, views: $0.views, previousViews: $0.previousViews) }
    }
}

/// The size of a series' buckets.
public enum SeriesGranularity: String, Sendable, CaseIterable {
    case hour, day
}

/// ProductViewSeries' answer: one point per bucket, oldest first, and the lifetime total.
public struct ViewSeriesReport: Sendable, Hashable {
    public struct Point: Sendable, Hashable {
        public var start: Date
        public var views: UInt64
    }

    public var start: Date
    public var end: Date
    public var granularity: SeriesGranularity
    public var name: String
    public var brand: String
    public var deleted: Bool
    public var totalViews: UInt64
    public var points: [Point]

    let wire: Catalog_V1_ProductViewSeriesResponse

    init(_ wire: Catalog_V1_ProductViewSeriesResponse) {
        self.wire = wire
        self.start = wire.startTime.date
        self.end = wire.endTime.date
        self.granularity = wire.granularity == .day ? .day : .hour
        self.name = wire.name
        self.brand = wire.brand
        self.deleted = wire.deleted
        self.totalViews = wire.totalViews
        self.points = wire.points.map { Point(start: $0.startTime.date, views: $0.views) }
    }
}

extension TopProductsReport: ProtoJSONConvertible {
    public func protoJSON() throws -> String {
        try ProtoJSON.render(
            self.wire,
            defaults: ["products": [Any]()],
            nested: [
                "products": [
                    "sku": "", "name": "", "brand": "", "views": "0", "previous_views": "0", "deleted": false,
                ]
            ]
        )
    }
}

extension BrandViewsReport: ProtoJSONConvertible {
    public func protoJSON() throws -> String {
        try ProtoJSON.render(
            self.wire,
            defaults: ["brands": [Any]()],
            nested: ["brands": ["brand": "", "views": "0", "previous_views": "0"]]
        )
    }
}

extension ViewSeriesReport: ProtoJSONConvertible {
    public func protoJSON() throws -> String {
        try ProtoJSON.render(
            self.wire,
            defaults: [
                "points": [Any](), "total_views": "0", "name": "", "brand": "", "deleted": false,
                "granularity": "GRANULARITY_UNSPECIFIED",
            ],
            nested: ["points": ["views": "0"]]
        )
    }
}
