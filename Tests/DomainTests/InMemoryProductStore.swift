import Domain
import Foundation
import Synchronization

/// A `ProductStore` in memory that counts every call, for unit tests of the Domain only.
final class InMemoryProductStore: ProductStore {
    private let products = Mutex<[UUID: Product]>([:])
    private let calls = Atomic<Int>(0)
    private let failing = Atomic<Bool>(false)

    /// Every store call made so far.
    var callCount: Int { self.calls.load(ordering: .relaxed) }

    /// While set, every call throws `unavailable`.
    func setFailing(_ failing: Bool) { self.failing.store(failing, ordering: .relaxed) }

    private func enter() throws {
        self.calls.add(1, ordering: .relaxed)
        if self.failing.load(ordering: .relaxed) {
            throw DomainError(.unavailable, "store down")
        }
    }

    func loadProducts(limit: Int) async throws -> [Product] {
        try self.enter()
        return self.products.withLock {
            Array($0.values.sorted { $0.sku.canonicalText < $1.sku.canonicalText }.prefix(limit))
        }
    }

    func product(sku: UUID) async throws -> Product? {
        try self.enter()
        return self.products.withLock { $0[sku] }
    }

    func listProducts(after: UUID?, brand: String?, limit: Int) async throws -> [Product] {
        try self.enter()
        return self.products.withLock { products in
            Array(
                products.values
                    .filter { after == nil || $0.sku.canonicalText > after!.canonicalText }
                    .filter { brand == nil || $0.brand == brand }
                    .sorted { $0.sku.canonicalText < $1.sku.canonicalText }
                    .prefix(limit)
            )
        }
    }

    /// Every change a write committed, in order: the outbox of this fake.
    var changes: [ProductChange] { self.recorded.withLock { $0 } }
    private let recorded = Mutex<[ProductChange]>([])

    /// Views histories are not modelled: every product starts from zero.
    func insertProduct(_ product: Product, change: ProductChange, continueViewHistory: Bool) async throws -> UInt64 {
        try self.enter()
        defer { self.recorded.withLock { $0.append(change) } }
        try self.products.withLock { products in
            guard products[product.sku] == nil else { throw DomainError(.alreadyExists, "taken") }
            products[product.sku] = product
        }
        return 0
    }

    func updateProduct(
        sku: UUID,
        _ update: @escaping @Sendable (Product) throws -> ProductUpdate
    ) async throws -> Product {
        try self.enter()
        let outcome = try self.products.withLock { products in
            guard let current = products[sku] else { throw DomainError(.notFound, "no product") }
            let outcome = try update(current)
            if outcome.change != nil {
                products[sku] = outcome.product
            }
            return outcome
        }
        if let change = outcome.change {
            self.recorded.withLock { $0.append(change) }
        }
        return outcome.product
    }

    func deleteProduct(
        sku: UUID,
        at time: Date,
        _ check: @escaping @Sendable (Product) throws -> ProductChange
    ) async throws -> Product {
        try self.enter()
        let (current, change) = try self.products.withLock { products in
            guard let current = products[sku] else { throw DomainError(.notFound, "no product") }
            let change = try check(current)
            products[sku] = nil
            return (current, change)
        }
        self.recorded.withLock { $0.append(change) }
        return current
    }

    /// The views written to each hour's buckets so far.
    var viewsByHour: [Int64: [UUID: UInt64]] { self.hourly.withLock { $0 } }
    private let hourly = Mutex<[Int64: [UUID: UInt64]]>([:])

    func addViews(_ counts: [UUID: UInt64], hour: Int64) async throws -> [UUID: UInt64] {
        try self.enter()
        return self.products.withLock { products in
            var totals: [UUID: UInt64] = [:]
            for (sku, views) in counts where products[sku] != nil {
                products[sku]?.views += views
                totals[sku] = products[sku]?.views
                self.hourly.withLock { $0[hour, default: [:]][sku, default: 0] += views }
            }
            return totals
        }
    }

    func isReachable() async -> Bool { !self.failing.load(ordering: .relaxed) }
}
