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

    func insertProduct(_ product: Product) async throws {
        self.count()
        try await self.store.insertProduct(product)
    }

    func updateProduct(sku: UUID, _ change: @Sendable (Product) throws -> Product) async throws -> Product {
        self.count()
        return try await self.store.updateProduct(sku: sku, change)
    }

    func deleteProduct(sku: UUID, _ check: @Sendable (Product) throws -> Void) async throws -> Product {
        self.count()
        return try await self.store.deleteProduct(sku: sku, check)
    }

    func addViews(_ counts: [UUID: UInt64]) async throws {
        self.count()
        try await self.store.addViews(counts)
    }

    func isReachable() async -> Bool {
        // The health probe calls this on its own schedule; it is not counted as call I/O.
        await self.store.isReachable()
    }
}
