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
        func read() throws -> [UInt8]? {
            let lookup = try cache.lookupSerialized(product.sku) { current in
                serializations.add(1, ordering: .relaxed)
                return Array("\(current.name) v\(current.version) \(current.views)".utf8)
            }
            guard case .found(let bytes) = lookup else { return nil }
            return bytes
        }
        for _ in 0..<3 {
            #expect(try read() == Array("Lamp v1 0".utf8))
        }
        #expect(serializations.load(ordering: .relaxed) == 1)

        product.name = "Desk"
        product.version = 2
        cache.put(product)
        #expect(try read() == Array("Desk v2 0".utf8), "a write drops the old wire form")
        cache.raiseViews(to: [product.sku: 7])
        #expect(try read() == Array("Desk v2 7".utf8), "so do flushed views")
        #expect(serializations.load(ordering: .relaxed) == 3)

        cache.markDeleted(product.sku, version: product.version)
        guard case .absent = try cache.lookupSerialized(product.sku, serialize: { _ in [1] }) else {
            Issue.record("a deleted product is absent")
            return
        }
    }

    /// GetProduct reads from each thread's own copies: a change made on one thread reaches the
    /// copies every other thread made before it.
    @Test func aChangeReachesTheCopiesOfEveryThread() throws {
        let cache = ProductCache(capacity: 10)
        var product = self.product()
        cache.put(product)
        let sku = product.sku
        func readOnManyThreads() -> Set<[UInt8]> {
            let seen = Mutex(Set<[UInt8]>())
            DispatchQueue.concurrentPerform(iterations: 64) { _ in
                for _ in 0..<10 {
                    let lookup = try? cache.lookupSerialized(sku) { current in Array("\(current.name)".utf8) }
                    if case .found(let bytes) = lookup {
                        _ = seen.withLock { $0.insert(bytes) }
                    } else {
                        _ = seen.withLock { $0.insert([]) }
                    }
                }
            }
            return seen.withLock { $0 }
        }
        #expect(readOnManyThreads() == [Array("Lamp".utf8)])
        product.name = "Desk"
        product.version = 2
        cache.put(product)
        #expect(readOnManyThreads() == [Array("Desk".utf8)])
        cache.markDeleted(sku, version: 2)
        #expect(readOnManyThreads() == [[]], "absent everywhere")
    }

    @Test func aLateWriteOfAnOlderStateDoesNotBringADeletedProductBack() {
        let cache = ProductCache(capacity: 10)
        var product = self.product(version: 2)
        cache.put(product)
        cache.markDeleted(product.sku, version: 3)
        // An update to version 3 that committed before the delete reaches the cache after it.
        product.version = 3
        cache.put(product)
        guard case .absent = cache.lookup(product.sku) else {
            Issue.record("the deleted product came back")
            return
        }
        // Made again: a new insert (version 1) is the sku's newest state.
        product.version = 1
        cache.putFromStore(product)
        guard case .found(let found) = cache.lookup(product.sku) else {
            Issue.record("the product made again is cached")
            return
        }
        #expect(found.version == 1)
    }

    @Test func tombstonesPastTheirBoundAreDroppedAndAPartialCacheAsksTheStoreAgain() {
        let cache = ProductCache(capacity: 1, maxTombstones: 2)
        let kept = self.product()
        cache.put(kept)
        cache.put(self.product())  // over capacity: the cache becomes partial
        #expect(!cache.isComplete)
        let deleted = (0..<3).map { _ in UUID() }
        for sku in deleted {
            cache.markDeleted(sku, version: .max)
        }
        // The third tombstone passed the bound: all were dropped, so the store decides again.
        guard case .unknown = cache.lookup(deleted[0]), case .found = cache.lookup(kept.sku) else {
            Issue.record("tombstones were not dropped, or a live product went with them")
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

@Suite struct UUIDParsingTests {
    @Test func parsesWhatFoundationParses() {
        for _ in 0..<100 {
            let uuid = UUID()
            #expect(UUID(parsing: uuid.uuidString) == uuid)
            #expect(UUID(parsing: uuid.uuidString.lowercased()) == uuid)
            #expect(Array(uuid.uuidString.utf8).withUnsafeBytes { UUID(parsingUTF8: $0) } == uuid)
        }
        #expect(
            UUID(parsing: "0D4F6c2e-9a3b-4f1e-8c7d-5b2a1e3f4c6d")
                == UUID(uuidString: "0d4f6c2e-9a3b-4f1e-8c7d-5b2a1e3f4c6d")
        )
    }

    @Test(arguments: [
        "", "not a uuid", "0d4f6c2e9a3b4f1e8c7d5b2a1e3f4c6d", "0d4f6c2e-9a3b-4f1e-8c7d-5b2a1e3f4c6",
        "0d4f6c2e-9a3b-4f1e-8c7d-5b2a1e3f4c6dd",
        "0d4f6c2g-9a3b-4f1e-8c7d-5b2a1e3f4c6d", "0d4f6c2e_9a3b-4f1e-8c7d-5b2a1e3f4c6d",
        "{0d4f6c2e-9a3b-4f1e-8c7d-5b2a1e3f4c6}",
        "0d4f6c2e-9a3b-4f1e-8c7d-5b2a1e3f4c6é",
        // The bytes either side of each range of hexadecimal digits.
        "/d4f6c2e-9a3b-4f1e-8c7d-5b2a1e3f4c6d", "0d4f6c2e-9a3b-4f1e-8c7d-5b2a1e3f4c6:",
        "0d4f6c2e-9a3b-@f1e-8c7d-5b2a1e3f4c6d", "0d4f6c2e-9a3b-4f1e-8c7G-5b2a1e3f4c6d",
        "0d4f6c2e-9a3b-4f1e-8c7d-`b2a1e3f4c6d", "0d4f6c2e-9a3b-4f1e-8c7d-5b2a1e3f4c6g",
    ])
    func refusesWhatFoundationRefuses(text: String) {
        #expect(UUID(parsing: text) == nil)
        #expect(UUID(uuidString: text) == nil)
        #expect(Array(text.utf8).withUnsafeBytes { UUID(parsingUTF8: $0) } == nil)
    }
}
