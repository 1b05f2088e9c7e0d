import Domain
import Foundation
import Storage
import TestSupport
import Testing

@Suite struct SQLiteStoreTests {
    private func product(name: String = "Lamp", brand: String = "Acme", sku: UUID = UUID()) -> Product {
        let now = Timestamp.now()
        return Product(
            sku: sku,
            name: name,
            brand: brand,
            priceCents: 1999,
            currency: "MXN",
            createTime: now,
            updateTime: now
        )
    }

    private let actor = AdminIdentity(id: UUID(), username: "tester")

    private func created(_ product: Product) -> ProductChange {
        ProductChange(actor: self.actor, action: .created, sku: product.sku, name: product.name)
    }

    private func deleted(_ product: Product) -> ProductChange {
        ProductChange(actor: self.actor, action: .deleted, sku: product.sku, name: product.name)
    }

    private func withStore(_ body: (SQLiteStore, String) async throws -> Void) async throws {
        try await withTemporaryDirectory { directory in
            let path = directory + "/catalog.sqlite"
            let store = try SQLiteStore(path: path)
            try await body(store, path)
            try store.close()
        }
    }

    @Test func productsRoundTripExactly() async throws {
        try await self.withStore { store, _ in
            let product = self.product(name: "Läмп ☃")
            try await store.insertProduct(product, change: self.created(product))
            #expect(try await store.product(sku: product.sku) == product)
            #expect(try await store.product(sku: UUID()) == nil)
        }
    }

    @Test func aTakenSkuIsAlreadyExistsAndWritesNothing() async throws {
        try await self.withStore { store, _ in
            let product = self.product()
            try await store.insertProduct(product, change: self.created(product))
            var copy = self.product(name: "Other", sku: product.sku)
            copy.priceCents = 1
            let error = await #expect(throws: DomainError.self) {
                try await store.insertProduct(copy, change: self.created(copy))
            }
            #expect(error?.code == .alreadyExists)
            #expect(try await store.product(sku: product.sku) == product)
        }
    }

    @Test func updateAndDeleteRunTheirChecksInTheTransaction() async throws {
        try await self.withStore { store, _ in
            let product = self.product()
            try await store.insertProduct(product, change: self.created(product))
            let updated = try await store.updateProduct(sku: product.sku) { current in
                var next = current
                next.name = "Desk"
                next.version += 1
                return ProductUpdate(
                    product: next,
                    change: ProductChange.update(from: current, to: next, by: self.actor)
                )
            }
            #expect(try await store.product(sku: product.sku) == updated)

            await #expect(throws: DomainError.self) {
                _ = try await store.updateProduct(sku: product.sku) { _ -> ProductUpdate in
                    throw DomainError(.aborted, "no")
                }
            }
            await #expect(throws: DomainError.self) {
                _ = try await store.deleteProduct(sku: product.sku) { _ -> ProductChange in
                    throw DomainError(.aborted, "no")
                }
            }
            #expect(try await store.product(sku: product.sku) == updated, "a refused change writes nothing")

            #expect(try await store.deleteProduct(sku: product.sku) { self.deleted($0) } == updated)
            #expect(try await store.product(sku: product.sku) == nil)
            let error = await #expect(throws: DomainError.self) {
                _ = try await store.deleteProduct(sku: product.sku) { self.deleted($0) }
            }
            #expect(error?.code == .notFound)
        }
    }

    @Test func listingIsOrderedBySkuAfterTheCursorWithTheBrandFilter() async throws {
        try await self.withStore { store, _ in
            var all: [Product] = []
            for index in 0..<10 {
                let product = self.product(name: "P\(index)", brand: index < 4 ? "Acme" : "Other")
                try await store.insertProduct(product, change: self.created(product))
                all.append(product)
            }
            let sorted = all.sorted { $0.sku.canonicalText < $1.sku.canonicalText }
            #expect(try await store.listProducts(after: nil, brand: nil, limit: 100) == sorted)
            #expect(try await store.listProducts(after: sorted[2].sku, brand: nil, limit: 3) == Array(sorted[3..<6]))
            let acme = try await store.listProducts(after: nil, brand: "Acme", limit: 100)
            #expect(acme == sorted.filter { $0.brand == "Acme" })
            #expect(try await store.loadProducts(limit: 4) == Array(sorted.prefix(4)))
        }
    }

    @Test func viewsAreAddedAndDeletedProductsSkipped() async throws {
        try await self.withStore { store, _ in
            let kept = self.product()
            let deleted = self.product()
            try await store.insertProduct(kept, change: self.created(kept))
            try await store.insertProduct(deleted, change: self.created(deleted))
            _ = try await store.deleteProduct(sku: deleted.sku) { self.deleted($0) }
            try await store.addViews([kept.sku: 5, deleted.sku: 3, UUID(): 1])
            try await store.addViews([kept.sku: 2])
            #expect(try await store.product(sku: kept.sku)?.views == 7)
            // An update keeps the views: they live in their own table.
            let updated = try await store.updateProduct(sku: kept.sku) { current in
                var next = current
                next.name = "Renamed"
                next.version += 1
                return ProductUpdate(
                    product: next,
                    change: ProductChange.update(from: current, to: next, by: self.actor)
                )
            }
            #expect(updated.views == 7)
        }
    }

    @Test func moreCountsThanOneStatementBindsFitOneFlush() async throws {
        try await self.withStore { store, _ in
            let counted = self.product()
            try await store.insertProduct(counted, change: self.created(counted))
            // 17,000 counts bind 34,000 parameters, past SQLite's 32,766 per statement.
            var counts: [UUID: UInt64] = [counted.sku: 9]
            for _ in 0..<17_000 {
                counts[UUID()] = 1
            }
            try await store.addViews(counts)
            #expect(try await store.product(sku: counted.sku)?.views == 9)
        }
    }

    @Test func dataSurvivesReopening() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory + "/catalog.sqlite"
            let product = self.product()
            do {
                let store = try SQLiteStore(path: path)
                try await store.insertProduct(product, change: self.created(product))
                try await store.addViews([product.sku: 4])
                try store.close()
            }
            let reopened = try SQLiteStore(path: path)
            #expect(try await reopened.product(sku: product.sku)?.views == 4)
            #expect(await reopened.isReachable())
            try reopened.close()
        }
    }
}
