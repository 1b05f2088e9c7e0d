import Domain
import Foundation
import Synchronization
import Testing

@Suite struct ProductCacheTests {
    private func product(version: UInt64 = 1, views: UInt64 = 0) -> Product {
        let now = Timestamp.now()
        var product = Product(
            sku: UUID(),
            name: "Lamp",
            brand: "Acme",
            priceCents: 100,
            currency: "MXN",
            createTime: now,
            updateTime: now
        )
        product.version = version
        product.views = views
        return product
    }

    @Test func aProductIsSerializedOncePerStateNotOncePerRead() throws {
        let cache = ProductCache(capacity: 10)
        var product = self.product()
        cache.put(product)
        let serializations = Atomic(0)
        func read() -> [UInt8]? {
            let lookup = cache.lookupSerialized(product.sku) { current in
                serializations.add(1, ordering: .relaxed)
                return Array("\(current.name) v\(current.version) \(current.views)".utf8)
            }
            guard case .found(let bytes) = lookup else { return nil }
            return bytes
        }
        for _ in 0..<3 {
            #expect(read() == Array("Lamp v1 0".utf8))
        }
        #expect(serializations.load(ordering: .relaxed) == 1)

        product.name = "Desk"
        product.version = 2
        cache.put(product)
        #expect(read() == Array("Desk v2 0".utf8), "a write drops the old wire form")
        cache.raiseViews(to: [product.sku: 7])
        #expect(read() == Array("Desk v2 7".utf8), "so do flushed views")
        #expect(serializations.load(ordering: .relaxed) == 3)

        cache.remove(product.sku)
        guard case .absent = cache.lookupSerialized(product.sku, serialize: { _ in [] }) else {
            Issue.record("a removed product is absent")
            return
        }
    }

    @Test func replacingTheContentsDropsWhatTheStoreNoLongerHas() {
        let cache = ProductCache(capacity: 10)
        let kept = self.product()
        let gone = self.product()
        cache.put(kept)
        cache.put(gone)
        var newer = kept
        newer.version = 5
        cache.replace(with: [newer])
        guard case .found(let found) = cache.lookup(kept.sku), case .absent = cache.lookup(gone.sku) else {
            Issue.record("replace kept the wrong products")
            return
        }
        #expect(found.version == 5)
        #expect(cache.isComplete)
    }

    @Test func viewsOnlyEverRise() {
        let cache = ProductCache(capacity: 10)
        let product = self.product(views: 10)
        cache.put(product)
        cache.raiseViews(to: [product.sku: 4])
        cache.raiseViews(to: [product.sku: 12])
        cache.raiseViews(to: [product.sku: 11])
        guard case .found(let found) = cache.lookup(product.sku) else {
            Issue.record("the product is cached")
            return
        }
        #expect(found.views == 12)
    }
}
