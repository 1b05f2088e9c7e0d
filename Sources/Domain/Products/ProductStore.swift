import Foundation

/// Where products live durably. `Storage` implements it for SQLite and PostgreSQL.
///
/// Every method may throw `DomainError` with code `unavailable` when the store cannot be
/// reached; other errors are faults that callers report as internal.
public protocol ProductStore: Sendable {
    /// Up to `limit` products ordered by sku, for filling the cache at start.
    func loadProducts(limit: Int) async throws -> [Product]

    /// The product with this sku, or `nil`.
    func product(sku: UUID) async throws -> Product?

    /// Up to `limit` products with a sku greater than `after`, ordered by sku.
    func listProducts(after: UUID?, brand: String?, limit: Int) async throws -> [Product]

    /// Stores a new product.
    /// - Throws: `DomainError` `alreadyExists` when its sku is taken.
    func insertProduct(_ product: Product) async throws

    /// Replaces the product with `change(current)` in one transaction and returns the result.
    /// - Throws: `DomainError` `notFound` when there is no such product, or what `change` throws.
    func updateProduct(sku: UUID, _ change: @Sendable (Product) throws -> Product) async throws -> Product

    /// Deletes the product after `check(current)` passes, in one transaction, and returns it.
    /// - Throws: `DomainError` `notFound` when there is no such product, or what `check` throws.
    func deleteProduct(sku: UUID, _ check: @Sendable (Product) throws -> Void) async throws -> Product

    /// Adds each count to its product's views in one statement; skus of deleted products are skipped.
    func addViews(_ counts: [UUID: UInt64]) async throws

    /// Whether the store answers now.
    func isReachable() async -> Bool
}
