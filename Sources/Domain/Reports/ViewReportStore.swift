public import Foundation

/// Where view reports are read. `Storage` implements it for SQLite and PostgreSQL.
///
/// Views are kept per *view history*: one per product, begun when the product is created and
/// kept after it is deleted, with the product's last name and brand. A history holds the
/// product's lifetime total and its buckets: hourly ones (bucket starts aligned to UTC hours),
/// and, past the hourly retention, daily ones that the hours were folded into. For every
/// history the sum of its buckets equals its total (the flush writes both in one transaction).
public protocol ViewReportStore: Sendable {
    /// The histories with views in `window`, most views first, ties by sku (then the newer
    /// history first); at most `limit`. Each with its views in the window before as well.
    /// - Parameter brand: only histories whose (last) brand is exactly this.
    func topProducts(in window: ReportWindow, brand: String?, limit: Int) async throws -> [ProductViewCount]

    /// Views per (last) brand in `window` and the window before, for brands with views in
    /// either; in no particular order.
    func brandViews(in window: ReportWindow) async throws -> [BrandViewCount]

    /// The history of `sku` (the live product's, else the last deleted one's) with its
    /// buckets that start in `start..<end`; `nil` when the sku never had a product.
    func viewBuckets(sku: UUID, from start: Int64, to end: Int64) async throws -> ViewBuckets?

    /// Folds every hourly bucket that starts before `cutoff` (a UTC day start) into the daily
    /// bucket of its day, in one transaction, so every history's sum stays its total.
    /// Returns the number of hourly buckets folded.
    func foldHourlyViews(before cutoff: Int64) async throws -> Int
}

/// A product's views in a report's window and in the window before.
public struct ProductViewCount: Sendable, Hashable {
    public var sku: UUID
    /// The product's name and brand, or its last ones when it was deleted.
    public var name: String
    public var brand: String
    public var views: UInt64
    public var previousViews: UInt64
    public var deleted: Bool

    public init(sku: UUID, name: String, brand: String, views: UInt64, previousViews: UInt64, deleted: Bool) {
        self.sku = sku
        self.name = name
        self.brand = brand
        self.views = views
        self.previousViews = previousViews
        self.deleted = deleted
    }
}

/// A brand's views in a report's window and in the window before.
public struct BrandViewCount: Sendable, Hashable {
    public var brand: String
    public var views: UInt64
    public var previousViews: UInt64

    public init(brand: String, views: UInt64, previousViews: UInt64) {
        self.brand = brand
        self.views = views
        self.previousViews = previousViews
    }
}

/// One product's view history: who it is, its lifetime total, and some of its buckets.
public struct ViewBuckets: Sendable, Hashable {
    public var sku: UUID
    public var name: String
    public var brand: String
    public var deleted: Bool
    public var totalViews: UInt64
    /// Views by bucket start (hourly or daily buckets, as stored).
    public var buckets: [Int64: UInt64]

    public init(sku: UUID, name: String, brand: String, deleted: Bool, totalViews: UInt64, buckets: [Int64: UInt64]) {
        self.sku = sku
        self.name = name
        self.brand = brand
        self.deleted = deleted
        self.totalViews = totalViews
        self.buckets = buckets
    }
}
