import Domain
import Foundation
import Synchronization
import Testing

@Suite struct ProductCatalogTests {
    let store = InMemoryProductStore()
    let admin = AdminIdentity(id: UUID(), username: "alice")
    let catalog: ProductCatalog

    init() {
        self.catalog = ProductCatalog(store: self.store)
    }

    private func create(name: String = "Lamp", brand: String = "Acme", price: Int64 = 1999) async throws -> Product {
        try await self.catalog.createProduct(NewProduct(name: name, brand: brand, priceCents: price), by: self.admin)
    }

    @Test func createNormalisesAndDefaults() async throws {
        let product = try await self.catalog.createProduct(
            NewProduct(name: "  Desk lamp ", brand: "\tAcme\n", priceCents: 0, currency: "usd"),
            by: self.admin
        )
        #expect(product.name == "Desk lamp")
        #expect(product.brand == "Acme")
        #expect(product.currency == "USD")
        #expect(product.version == 1)
        #expect(product.views == 0)
        #expect(product.createTime == product.updateTime)
        let defaulted = try await self.create()
        #expect(defaulted.currency == "MXN")
    }

    @Test func createReportsEveryBadFieldAtOnce() async throws {
        let error = await #expect(throws: DomainError.self) {
            _ = try await self.catalog.createProduct(
                NewProduct(
                    name: "  ",
                    brand: String(repeating: "b", count: 101),
                    priceCents: -1,
                    currency: "EURO",
                    sku: "x"
                ),
                by: self.admin
            )
        }
        #expect(error?.code == .invalidArgument)
        #expect(Set(error?.fieldViolations.map(\.field) ?? []) == ["name", "brand", "price_cents", "currency", "sku"])
        #expect(self.store.callCount == 0, "nothing reaches the store")
    }

    @Test func priceBoundsAreInclusive() async throws {
        _ = try await self.create(price: 1_000_000_000_000)
        await #expect(throws: DomainError.self) { _ = try await self.create(price: 1_000_000_000_001) }
    }

    @Test func clientChosenSkuIsAcceptedInAnyCaseAndTakenOnce() async throws {
        let sku = "0B6F1C1E-4B7E-4A3E-9D6A-2F9C1B3A5E71"
        let product = try await self.catalog.createProduct(
            NewProduct(name: "A", brand: "B", priceCents: 1, sku: sku),
            by: self.admin
        )
        #expect(product.sku.canonicalText == sku.lowercased())
        let error = await #expect(throws: DomainError.self) {
            _ = try await self.catalog.createProduct(
                NewProduct(name: "A", brand: "B", priceCents: 1, sku: sku),
                by: self.admin
            )
        }
        #expect(error?.code == .alreadyExists)
    }

    @Test func updateChangesOnlySetFieldsAndRaisesTheVersion() async throws {
        let created = try await self.create()
        let updated = try await self.catalog.updateProduct(
            sku: created.sku,
            changes: ProductChanges(priceCents: 2500),
            by: self.admin
        )
        #expect(updated.priceCents == 2500)
        #expect(updated.name == created.name)
        #expect(updated.version == 2)
        #expect(updated.updateTime >= created.updateTime)
        #expect(updated.createTime == created.createTime)
    }

    @Test func expectedVersionGuardsUpdatesAndDeletes() async throws {
        let created = try await self.create()
        let stale = await #expect(throws: DomainError.self) {
            _ = try await self.catalog.updateProduct(
                sku: created.sku,
                changes: ProductChanges(name: "New", expectedVersion: 7),
                by: self.admin
            )
        }
        #expect(stale?.code == .aborted)
        _ = try await self.catalog.updateProduct(
            sku: created.sku,
            changes: ProductChanges(name: "New", expectedVersion: 1),
            by: self.admin
        )
        let staleDelete = await #expect(throws: DomainError.self) {
            try await self.catalog.deleteProduct(sku: created.sku, expectedVersion: 1, by: self.admin)
        }
        #expect(staleDelete?.code == .aborted)
        try await self.catalog.deleteProduct(sku: created.sku, expectedVersion: 2, by: self.admin)
        #expect(self.catalog.cachedProduct(sku: created.sku, caller: .anonymous).isAbsent)
    }

    @Test func invalidChangesAreRefusedBeforeTheVersionCheck() async throws {
        let created = try await self.create()
        let error = await #expect(throws: DomainError.self) {
            _ = try await self.catalog.updateProduct(
                sku: created.sku,
                changes: ProductChanges(name: "", expectedVersion: 9),
                by: self.admin
            )
        }
        #expect(error?.code == .invalidArgument)
        #expect(error?.fieldViolations.map(\.field) == ["name"])
    }

    @Test func missingProductsAreNotFound() async throws {
        let error = await #expect(throws: DomainError.self) {
            _ = try await self.catalog.updateProduct(sku: UUID(), changes: ProductChanges(name: "x"), by: self.admin)
        }
        #expect(error?.code == .notFound)
        await #expect(throws: DomainError.self) { _ = try await self.catalog.product(sku: UUID(), caller: .anonymous) }
    }

    @Test func getProductReadsOnlyMemory() async throws {
        let created = try await self.create()
        let before = self.store.callCount
        for _ in 0..<100 {
            _ = try await self.catalog.product(sku: created.sku, caller: .anonymous)
            _ = self.catalog.cachedProduct(sku: UUID(), caller: .anonymous)
        }
        #expect(self.store.callCount == before)
    }

    @Test func anonymousReadsCountViewsAndAdminReadsDoNot() async throws {
        let created = try await self.create()
        for _ in 0..<7 {
            _ = try await self.catalog.product(sku: created.sku, caller: .anonymous)
        }
        _ = try await self.catalog.product(sku: created.sku, caller: .admin(self.admin))
        _ = self.catalog.cachedProduct(sku: UUID(), caller: .anonymous)
        _ = try await self.catalog.listProducts(pageSize: 0, pageToken: "", brand: "")
        try await self.catalog.flushViews()
        #expect(try await self.store.product(sku: created.sku)?.views == 7)
        #expect(try await self.catalog.product(sku: created.sku, caller: .admin(self.admin)).views == 7)
    }

    @Test func aFailedFlushKeepsItsCounts() async throws {
        let created = try await self.create()
        _ = try await self.catalog.product(sku: created.sku, caller: .anonymous)
        self.store.setFailing(true)
        await #expect(throws: DomainError.self) { try await self.catalog.flushViews() }
        self.store.setFailing(false)
        _ = try await self.catalog.product(sku: created.sku, caller: .anonymous)
        try await self.catalog.flushViews()
        #expect(try await self.store.product(sku: created.sku)?.views == 2)
    }

    @Test func viewStatisticsHoldEveryViewInMemoryOrInTheStoreThroughAFailedFlush() async throws {
        let created = try await self.create()
        for _ in 0..<3 {
            _ = self.catalog.cachedProduct(sku: created.sku, caller: .anonymous)
        }
        #expect(self.catalog.viewStatistics() == ViewStatistics(flushed: 0, pending: 3))
        self.store.setFailing(true)
        await #expect(throws: DomainError.self) { try await self.catalog.flushViews() }
        _ = self.catalog.cachedProduct(sku: created.sku, caller: .anonymous)
        #expect(self.catalog.viewStatistics() == ViewStatistics(flushed: 0, pending: 4), "kept for the next flush")
        self.store.setFailing(false)
        try await self.catalog.flushViews()
        _ = self.catalog.cachedProduct(sku: created.sku, caller: .admin(self.admin))
        #expect(self.catalog.viewStatistics() == ViewStatistics(flushed: 4, pending: 0), "an admin's read counts none")
        #expect(self.catalog.viewStatistics().counted == 4)
    }

    @Test func flushWritesOneBatchPerInterval() async throws {
        let first = try await self.create()
        let second = try await self.create()
        for _ in 0..<50 {
            _ = self.catalog.cachedProduct(sku: first.sku, caller: .anonymous)
            _ = self.catalog.cachedProduct(sku: second.sku, caller: .anonymous)
        }
        let before = self.store.callCount
        try await self.catalog.flushViews()
        try await self.catalog.flushViews()
        #expect(self.store.callCount == before + 1, "one batch, and nothing when nothing was counted")
    }

    @Test func listingPagesBySkuWithTheBrandFilter() async throws {
        var acme: [String] = []
        for index in 0..<7 {
            let product = try await self.create(name: "P\(index)", brand: index.isMultiple(of: 2) ? "Acme" : "Other")
            if product.brand == "Acme" { acme.append(product.sku.canonicalText) }
        }
        var seen: [String] = []
        var token = ""
        var pages = 0
        repeat {
            let page = try await self.catalog.listProducts(pageSize: 3, pageToken: token, brand: "Acme")
            seen += page.items.map(\.sku.canonicalText)
            token = page.nextPageToken
            pages += 1
        } while !token.isEmpty
        #expect(seen == acme.sorted())
        #expect(pages == 2)
    }

    @Test(arguments: [Int32(-1), 1001])
    func pageSizeOutOfRangeIsInvalid(size: Int32) async throws {
        let error = await #expect(throws: DomainError.self) {
            _ = try await self.catalog.listProducts(pageSize: size, pageToken: "", brand: "")
        }
        #expect(error?.fieldViolations.map(\.field) == ["page_size"])
    }

    @Test func forgedPageTokenIsInvalid() async throws {
        let error = await #expect(throws: DomainError.self) {
            _ = try await self.catalog.listProducts(pageSize: 0, pageToken: "not-a-token", brand: "")
        }
        #expect(error?.fieldViolations.map(\.field) == ["page_token"])
    }

    @Test func warmUpFillsTheCacheFromTheStore() async throws {
        let created = try await self.create()
        let restarted = ProductCatalog(store: self.store)
        try await restarted.warmUp()
        #expect(restarted.cachedProduct(sku: created.sku, caller: .admin(self.admin)).product == created)
    }

    @Test func aPartialCacheFallsThroughToTheStore() async throws {
        let misses = Mutex<[CacheMiss]>([])
        var configuration = ProductCatalog.Configuration()
        configuration.cacheCapacity = 1
        configuration.cacheMissed = { miss in misses.withLock { $0.append(miss) } }
        let small = ProductCatalog(store: self.store, configuration: configuration)
        let first = try await small.createProduct(NewProduct(name: "A", brand: "B", priceCents: 1), by: self.admin)
        let second = try await small.createProduct(NewProduct(name: "C", brand: "D", priceCents: 1), by: self.admin)
        #expect(small.cachedProduct(sku: first.sku, caller: .anonymous).product == first)
        guard case .unknown = small.cachedProduct(sku: second.sku, caller: .anonymous) else {
            Issue.record("a product past the capacity must not be reported absent")
            return
        }
        #expect(try await small.product(sku: second.sku, caller: .anonymous) == second)
        #expect(try await small.product(sku: first.sku, caller: .anonymous) == first, "a hit")
        _ = try await small.listProducts(pageSize: 10, pageToken: "", brand: "")
        #expect(misses.withLock { $0 } == [.product, .listing], "what the metrics count")
    }
}

extension ProductCache.Lookup {
    var product: Product? {
        if case .found(let product) = self { product } else { nil }
    }

    var isAbsent: Bool {
        if case .absent = self { true } else { false }
    }
}
