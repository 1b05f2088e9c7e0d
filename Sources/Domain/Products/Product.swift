public import Foundation

/// A product of the catalog, as stored and served.
public struct Product: Sendable, Hashable {
    /// The product's key; its text form is the lower-case canonical UUID.
    public var sku: UUID
    /// 1...200 characters, trimmed.
    public var name: String
    /// 1...100 characters, trimmed.
    public var brand: String
    /// Minor units of `currency`.
    public var priceCents: Int64
    /// ISO 4217 code, upper-case.
    public var currency: String
    /// Anonymous reads counted and flushed to the store so far.
    public var views: UInt64
    /// 1 on create, +1 on every update.
    public var version: UInt64
    public var createTime: Date
    public var updateTime: Date

    public init(
        sku: UUID,
        name: String,
        brand: String,
        priceCents: Int64,
        currency: String,
        views: UInt64 = 0,
        version: UInt64 = 1,
        createTime: Date,
        updateTime: Date
    ) {
        self.sku = sku
        self.name = name
        self.brand = brand
        self.priceCents = priceCents
        self.currency = currency
        self.views = views
        self.version = version
        self.createTime = createTime
        self.updateTime = updateTime
    }
}

extension UUID {
    /// The lower-case canonical text form PROTOCOL.md uses for skus and ids.
    public var canonicalText: String { self.uuidString.lowercased() }
}
