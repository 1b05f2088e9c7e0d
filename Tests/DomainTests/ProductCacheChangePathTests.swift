import Domain
import Foundation
import Testing

/// Issue 28: every change to the cache reaches the per-thread copies GetProduct reads and the
/// listing. The entries can only be written through `CacheEntries.change`, which makes both
/// follow (the compiler keeps `ProductCache` from writing them any other way); this test holds
/// each kind of change the cache has to it. A new kind of change joins `Self.changes`.
@Suite struct ProductCacheChangePathTests {
    /// A kind of change, and what a read of the product shows after it (`nil`: absent).
    struct Change: CustomTestStringConvertible, Sendable {
        let name: String
        let apply: @Sendable (ProductCache, Product) -> Void
        let expected: @Sendable (Product) -> String?
        var testDescription: String { self.name }
    }

    static let changes: [Change] = [
        Change(
            name: "put",
            apply: { cache, product in cache.put(Self.renamed(product, version: 2)) },
            expected: { _ in "Desk 0 v2" }
        ),
        Change(
            name: "putFromStore",
            apply: { cache, product in cache.putFromStore(Self.renamed(product, version: 1)) },
            expected: { _ in "Desk 0 v1" }
        ),
        Change(
            name: "markDeleted",
            apply: { cache, product in cache.markDeleted(product.sku, version: 1) },
            expected: { _ in nil }
        ),
        Change(
            name: "raiseViews",
            apply: { cache, product in cache.raiseViews(to: [product.sku: 9]) },
            expected: { _ in "Lamp 9 v1" }
        ),
        Change(
            name: "replace",
            apply: { cache, product in cache.replace(with: [Self.renamed(product, version: 5)]) },
            expected: { _ in "Desk 0 v5" }
        ),
        Change(name: "replace without it", apply: { cache, _ in cache.replace(with: []) }, expected: { _ in nil }),
        Change(
            name: "fill",
            apply: { cache, product in cache.fill(with: [Self.renamed(product, version: 3)]) },
            expected: { _ in "Desk 0 v3" }
        ),
    ]

    @Test(arguments: Self.changes)
    func aChangeReachesTheReadsCopyAndTheListing(change: Change) throws {
        let cache = ProductCache(capacity: 10)
        let product = Self.product()
        cache.put(product)
        // This thread's copy of the serialized product is made by this read.
        #expect(try Self.read(product.sku, in: cache) == "Lamp 0 v1")

        change.apply(cache, product)
        let expected = change.expected(product)
        #expect(try Self.read(product.sku, in: cache) == expected, "the copy was made stale")
        let listed = cache.listing(after: nil, brand: nil, limit: 10)?.map(\.sku) ?? []
        #expect(listed == (expected == nil ? [] : [product.sku]), "the listing followed")
        #expect(cache.count == (expected == nil ? 0 : 1), "the count followed")
    }

    private static func read(_ sku: UUID, in cache: ProductCache) throws -> String? {
        let lookup = try cache.lookupSerialized(sku) { Array("\($0.name) \($0.views) v\($0.version)".utf8) }
        guard case .found(let bytes) = lookup else { return nil }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func product() -> Product {
        let now = Timestamp.now()
        return Product(
            sku: UUID(),
            name: "Lamp",
            brand: "Acme",
            priceCents: 100,
            currency: "MXN",
            createTime: now,
            updateTime: now
        )
    }

    private static func renamed(_ product: Product, version: UInt64) -> Product {
        var renamed = product
        renamed.name = "Desk"
        renamed.version = version
        return renamed
    }
}
