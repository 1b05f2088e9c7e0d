import Domain
import Foundation
import Testing

/// Listings answered from the cache must be exactly the store's: ordered by the sku's bytes,
/// brands matched byte for byte, every write reflected.
@Suite struct ProductCacheListingTests {
    /// Brands that Swift's `==` finds equal in pairs (two normal forms of "Café") but the stores
    /// do not, and two that differ only in case.
    private static let brands = ["Acme", "acme", "Caf\u{e9}", "Cafe\u{301}"]

    private func product(brand: String, version: UInt64 = 1) -> Product {
        let now = Timestamp.now()
        var product = Product(
            sku: UUID(),
            name: "P",
            brand: brand,
            priceCents: 100,
            currency: "MXN",
            createTime: now,
            updateTime: now
        )
        product.version = version
        return product
    }

    /// What the store would answer for the products `model` holds.
    private func expected(_ model: [UUID: Product], after: UUID?, brand: String?, limit: Int) -> [Product] {
        let cursor = after?.uuidString
        return model.values
            .filter { brand == nil || Array($0.brand.utf8) == Array(brand!.utf8) }
            .filter { cursor == nil || $0.sku.uuidString > cursor! }
            .sorted { $0.sku.uuidString < $1.sku.uuidString }
            .prefix(limit)
            .map { $0 }
    }

    @Test func randomWritesKeepListingsEqualToAStoreOrdering() {
        var generator = SystemRandomNumberGenerator()
        let cache = ProductCache(capacity: 100_000)
        var model: [UUID: Product] = [:]
        // Enough products that the index splits its chunks many times over.
        for step in 0..<6000 {
            switch model.isEmpty ? 0 : Int.random(in: 0..<10, using: &generator) {
            case 0..<6:
                let product = self.product(brand: Self.brands.randomElement()!)
                cache.put(product)
                model[product.sku] = product
            case 6..<8:
                var product = model.values.randomElement()!
                product.brand = Self.brands.randomElement()!
                product.version += 1
                cache.put(product)
                model[product.sku] = product
            default:
                let product = model.values.randomElement()!
                cache.markDeleted(product.sku, version: product.version + 1)
                model.removeValue(forKey: product.sku)
            }
            guard step % 500 == 499 else { continue }
            for _ in 0..<20 {
                let after = Bool.random() ? nil : (Bool.random() ? UUID() : model.keys.randomElement())
                let brand = Bool.random() ? nil : Self.brands.randomElement()
                let limit = Int.random(in: 1...1001)
                #expect(
                    cache.listing(after: after, brand: brand, limit: limit)
                        == self.expected(model, after: after, brand: brand, limit: limit)
                )
            }
        }
        #expect(cache.listing(after: nil, brand: nil, limit: 100_000)?.count == model.count)
    }

    @Test func pagingWithTheLastSkuVisitsEveryProductOnce() {
        let cache = ProductCache(capacity: 10_000)
        let products = (0..<2500).map { _ in self.product(brand: "Acme") }
        products.forEach(cache.put)
        var seen: [UUID] = []
        var after: UUID?
        while let page = cache.listing(after: after, brand: "Acme", limit: 333), !page.isEmpty {
            seen += page.map(\.sku)
            after = page.last?.sku
        }
        #expect(seen == products.map(\.sku).sorted { $0.uuidString < $1.uuidString })
    }

    @Test func aPartialCacheLeavesListingsToTheStoreAndAReloadThatFitsServesThemAgain() {
        let cache = ProductCache(capacity: 2)
        let products = (0..<3).map { _ in self.product(brand: "Acme") }
        products.forEach(cache.put)
        #expect(cache.listing(after: nil, brand: nil, limit: 10) == nil, "only the store has every product")

        cache.replace(with: Array(products.prefix(2)))
        #expect(
            cache.listing(after: nil, brand: nil, limit: 10)
                == products.prefix(2).sorted { $0.sku.uuidString < $1.sku.uuidString }
        )
        #expect(cache.listing(after: nil, brand: "Acme", limit: 10)?.contains(products[2]) == false)
    }

    @Test func aLateWriteOfAnOlderStateMovesNothingBetweenBrands() {
        let cache = ProductCache(capacity: 10)
        var product = self.product(brand: "Acme", version: 2)
        cache.put(product)
        var stale = product
        stale.brand = "Other"
        stale.version = 1
        cache.put(stale)
        #expect(cache.listing(after: nil, brand: "Other", limit: 10) == [])
        #expect(cache.listing(after: nil, brand: "Acme", limit: 10) == [product])

        product.brand = "Other"
        product.version = 3
        cache.put(product)
        #expect(cache.listing(after: nil, brand: "Acme", limit: 10) == [])
        #expect(cache.listing(after: nil, brand: "Other", limit: 10) == [product])
    }
}
