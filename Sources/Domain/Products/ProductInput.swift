import Foundation

/// What a caller asks to create, before validation.
public struct NewProduct: Sendable, Hashable {
    public var name: String
    public var brand: String
    public var priceCents: Int64
    /// Empty: the catalog's default currency.
    public var currency: String
    /// Empty: the catalog picks a random UUID. Otherwise a client-chosen UUID, for idempotent retries.
    public var sku: String
    /// Whether a product re-created with the sku of a deleted one takes up its view history
    /// (its total and buckets); otherwise its views start from zero in a history of its own.
    public var continueViewHistory: Bool

    public init(
        name: String,
        brand: String,
        priceCents: Int64,
        currency: String = "",
        sku: String = "",
        continueViewHistory: Bool = false
    ) {
        self.name = name
        self.brand = brand
        self.priceCents = priceCents
        self.currency = currency
        self.sku = sku
        self.continueViewHistory = continueViewHistory
    }
}

/// The changes a caller asks for; fields left `nil` stay as they are.
public struct ProductChanges: Sendable, Hashable {
    public var name: String?
    public var brand: String?
    public var priceCents: Int64?
    public var currency: String?
    /// Non-zero: the update is refused unless the product is at this version.
    public var expectedVersion: UInt64

    public init(
        name: String? = nil,
        brand: String? = nil,
        priceCents: Int64? = nil,
        currency: String? = nil,
        expectedVersion: UInt64 = 0
    ) {
        self.name = name
        self.brand = brand
        self.priceCents = priceCents
        self.currency = currency
        self.expectedVersion = expectedVersion
    }
}
