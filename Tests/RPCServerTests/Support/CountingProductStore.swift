import Domain
import Foundation
import Synchronization

/// Forwards to a real store and counts every call, so a test can prove a path does no store I/O.
final class CountingProductStore: ProductStore {
    private let store: any ProductStore
    private let calls = Atomic<Int>(0)

    init(wrapping store: any ProductStore) {
        self.store = store
    }

    var callCount: Int { self.calls.load(ordering: .relaxed) }

    private func count() { self.calls.add(1, ordering: .relaxed) }

    func loadProducts(limit: Int) async throws -> [Product] {
        self.count()
        return try await self.store.loadProducts(limit: limit)
    }

    func product(sku: UUID) async throws -> Product? {
        self.count()
        return try await self.store.product(sku: sku)
    }

    func listProducts(after: UUID?, brand: String?, limit: Int) async throws -> [Product] {
        self.count()
        return try await self.store.listProducts(after: after, brand: brand, limit: limit)
    }

    func insertProduct(_ product: Product, change: ProductChange) async throws {
        self.count()
        try await self.store.insertProduct(product, change: change)
    }

    func updateProduct(
        sku: UUID,
        _ update: @escaping @Sendable (Product) throws -> ProductUpdate
    ) async throws -> Product {
        self.count()
        return try await self.store.updateProduct(sku: sku, update)
    }

    func deleteProduct(
        sku: UUID,
        _ check: @escaping @Sendable (Product) throws -> ProductChange
    ) async throws -> Product {
        self.count()
        return try await self.store.deleteProduct(sku: sku, check)
    }

    func addViews(_ counts: [UUID: UInt64]) async throws -> [UUID: UInt64] {
        self.count()
        return try await self.store.addViews(counts)
    }

    func isReachable() async -> Bool {
        // The health probe calls this on its own schedule; it is not counted as call I/O.
        await self.store.isReachable()
    }
}
