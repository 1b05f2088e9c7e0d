import Domain
import Foundation
import Synchronization
import TestSupport

/// Forwards to a real store and counts every call, so a test can prove a path does no store I/O.
/// Its reads of products can be held at a gate, so a test can keep them in flight.
final class CountingProductStore: ProductStore {
    private let store: any ProductStore
    private let calls = Atomic<Int>(0)
    /// While set, reads wait until it opens.
    private let readGate = Mutex<Gate?>(nil)
    /// Reads that reached the gate.
    let readsAtGate = EventCounter()

    init(wrapping store: any ProductStore) {
        self.store = store
    }

    var callCount: Int { self.calls.load(ordering: .relaxed) }

    private func count() { self.calls.add(1, ordering: .relaxed) }

    /// Makes reads from now on wait until `gate` opens.
    func holdReads(at gate: Gate) {
        self.readGate.withLock { $0 = gate }
    }

    private func passReadGate() async {
        guard let gate = self.readGate.withLock({ $0 }) else { return }
        self.readsAtGate.increment()
        await gate.wait()
    }

    func loadProducts(limit: Int) async throws -> [Product] {
        self.count()
        return try await self.store.loadProducts(limit: limit)
    }

    func product(sku: UUID) async throws -> Product? {
        self.count()
        await self.passReadGate()
        return try await self.store.product(sku: sku)
    }

    func listProducts(after: UUID?, brand: String?, limit: Int) async throws -> [Product] {
        self.count()
        await self.passReadGate()
        return try await self.store.listProducts(after: after, brand: brand, limit: limit)
    }

    func insertProduct(_ product: Product, change: ProductChange, continueViewHistory: Bool) async throws -> UInt64 {
        self.count()
        return try await self.store.insertProduct(product, change: change, continueViewHistory: continueViewHistory)
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
        at time: Date,
        _ check: @escaping @Sendable (Product) throws -> ProductChange
    ) async throws -> Product {
        self.count()
        return try await self.store.deleteProduct(sku: sku, at: time, check)
    }

    func addViews(_ counts: [UUID: UInt64], hour: Int64) async throws -> [UUID: UInt64] {
        self.count()
        return try await self.store.addViews(counts, hour: hour)
    }

    func isReachable() async -> Bool {
        // The health probe calls this on its own schedule; it is not counted as call I/O.
        await self.store.isReachable()
    }
}
