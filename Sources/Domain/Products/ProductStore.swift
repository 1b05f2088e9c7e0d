public import Foundation

/// Where products live durably. `Storage` implements it for SQLite and PostgreSQL.
///
/// Every method may throw `DomainError` with code `unavailable` when the store cannot be
/// reached; other errors are faults that callers report as internal. Closures passed to a
/// write may run more than once (a transaction retried after a deadlock), and must be pure.
public protocol ProductStore: Sendable {
    /// Up to `limit` products ordered by sku, for filling the cache at start.
    func loadProducts(limit: Int) async throws -> [Product]

    /// The product with this sku, or `nil`.
    func product(sku: UUID) async throws -> Product?

    /// Up to `limit` products with a sku greater than `after`, ordered by sku.
    func listProducts(after: UUID?, brand: String?, limit: Int) async throws -> [Product]

    /// Stores a new product, begins its view history (or, with `continueViewHistory`, takes
    /// up the last deleted namesake's, when there is one) and, in the same transaction, one
    /// pending notification of `change` for every admin with an email but its actor (the outbox).
    /// Returns the views the product starts with: 0, or the continued history's total.
    /// - Throws: `DomainError` `alreadyExists` when its sku is taken.
    @discardableResult
    func insertProduct(_ product: Product, change: ProductChange, continueViewHistory: Bool) async throws -> UInt64

    /// In one transaction: computes `update(current)`, and when it carries a change, stores
    /// the new product and its notifications; returns the product as it now is.
    /// - Throws: `DomainError` `notFound` when there is no such product, or what `update` throws.
    func updateProduct(
        sku: UUID,
        _ update: @escaping @Sendable (Product) throws -> ProductUpdate
    ) async throws -> Product

    /// In one transaction: deletes the product (its view history stays, marked deleted at
    /// `time`) once `check(current)` returns the change, and stores its notifications, written
    /// at `time`; returns the deleted product.
    /// - Throws: `DomainError` `notFound` when there is no such product, or what `check` throws.
    func deleteProduct(
        sku: UUID,
        at time: Date,
        _ check: @escaping @Sendable (Product) throws -> ProductChange
    ) async throws -> Product

    /// In one transaction (one statement on PostgreSQL), adds each count to its product's
    /// views total and to its bucket of the UTC hour starting at `hour` (seconds since 1970);
    /// skus of deleted products are skipped. Returns the views total of each product counted,
    /// which may include other daemons' counts.
    func addViews(_ counts: [UUID: UInt64], hour: Int64) async throws -> [UUID: UInt64]

    /// Whether the store answers now.
    func isReachable() async -> Bool
}

/// The outcome of an update: the product after it, and the change to notify, `nil` when
/// nothing changed (then nothing is written and nobody is notified).
public struct ProductUpdate: Sendable {
    public var product: Product
    public var change: ProductChange?

    public init(product: Product, change: ProductChange?) {
        self.product = product
        self.change = change
    }
}
