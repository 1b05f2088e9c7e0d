public import Foundation
import Synchronization

/// The products GetProduct serves, kept in memory so a read never touches the store.
///
/// Filled at start and updated by every write. When the catalog holds more products than
/// `capacity`, the cache is partial: a miss then falls through to the store (see `lookup`).
public final class ProductCache: Sendable {
    /// The answer of a lookup that does no I/O.
    public enum Lookup: Sendable {
        case found(Product)
        /// The cache holds every product, so the product does not exist.
        case absent
        /// The cache is partial: only the store can tell.
        case unknown
    }

    /// The wire form of a lookup (see `lookupSerialized`).
    public enum SerializedLookup: Sendable {
        case found([UInt8])
        case absent
        case unknown
    }

    /// The entries, and the one way they change (`CacheEntries.change`).
    private let entries = CacheEntries()
    private let complete = Atomic<Bool>(true)
    public let capacity: Int
    /// Tombstones only matter for the moments writes race; past this many they are all dropped.
    private let maxTombstones: Int

    public init(capacity: Int, maxTombstones: Int = 100_000) {
        self.capacity = capacity
        self.maxTombstones = maxTombstones
    }

    /// Whether every product of the store is in the cache.
    public var isComplete: Bool { self.complete.load(ordering: .relaxed) }

    /// The products cached (not counting the tombstones of deleted ones).
    public var count: Int { self.entries.count }

    /// Fills the cache from a load of at most `capacity + 1` products.
    public func fill(with products: [Product]) {
        for product in products.prefix(self.capacity) {
            self.put(product)
        }
        if products.count > self.capacity {
            self.complete.store(false, ordering: .relaxed)
        }
    }

    public func lookup(_ sku: UUID) -> Lookup {
        switch self.entries.entry(sku) {
        case let entry? where entry.product != nil: .found(entry.product!)
        case .some: .absent
        case nil: self.isComplete ? .absent : .unknown
        }
    }

    /// Like `lookup`, but answers with the product serialized by `serialize`, which runs only
    /// when the product changed since the last serialized lookup.
    /// Served from this thread's replica when it has the product (`SerializedReplicas`).
    public func lookupSerialized(
        _ sku: UUID,
        serialize: (Product) throws -> [UInt8]
    ) throws -> SerializedLookup {
        try self.entries.serialized(sku, serialize: serialize) ?? (self.isComplete ? .absent : .unknown)
    }

    /// Stores the product's newest state; an older version than the cached one is ignored,
    /// so writes that finish out of order leave the newest, and so is any version up to the
    /// one it was deleted at. A full cache becomes partial.
    public func put(_ product: Product) {
        self.insert(product, keepingNewer: true)
    }

    /// Stores the product as the store has it now, whatever version or tombstone is cached:
    /// the store's word is newer than any write that finished before it was read, and a
    /// product deleted and made again (a new insert) starts at version 1.
    public func putFromStore(_ product: Product) {
        self.insert(product, keepingNewer: false)
    }

    private func insert(_ product: Product, keepingNewer: Bool) {
        let delta = self.entries.change(product.sku) { cached in
            if keepingNewer, let cached,
                cached.version > product.version || (cached.isTombstone && cached.version == product.version)
            {
                return nil
            }
            return CacheEntry(product: product)
        }
        if let delta, delta.live > 0, self.entries.count > self.capacity {
            self.evict(product.sku)
            self.complete.store(false, ordering: .relaxed)
        }
    }

    /// Records that the product was deleted at `version` (`UInt64.max` when only the store's
    /// absence is known): reads find it absent, and late writes of older states are ignored.
    public func markDeleted(_ sku: UUID, version: UInt64) {
        let delta = self.entries.change(sku) { cached in
            CacheEntry(deletedAt: max(version, cached?.version ?? 0))
        }
        if let delta, delta.tombstones > 0, self.entries.tombstoneCount > self.maxTombstones {
            self.dropTombstones()
        }
    }

    /// Evicts a live product to keep within capacity.
    private func evict(_ sku: UUID) {
        self.entries.change(sku) { cached in cached?.product == nil ? nil : .some(nil) }
    }

    private func dropTombstones() {
        for sku in self.entries.skus(matching: \.isTombstone) {
            self.entries.change(sku) { cached in cached?.isTombstone == true ? .some(nil) : nil }
        }
    }

    /// Up to `limit` products with a sku above `after`, ordered by sku, of one brand when
    /// `brand` is given: the store's listing, answered from memory. `nil` when the cache is
    /// partial, so that only the store has every product.
    public func listing(after: UUID?, brand: String?, limit: Int) -> [Product]? {
        guard self.isComplete else { return nil }
        var products: [Product] = []
        products.reserveCapacity(limit)
        var cursor = after
        while products.count < limit {
            let wanted = limit - products.count
            let skus = self.entries.listedSkus(after: cursor, brand: brand, limit: wanted)
            for sku in skus {
                // Deleted, or moved to another brand, since the index was read: left out, as a
                // store read a moment later would.
                if let product = self.entries.entry(sku)?.product,
                    ProductListingIndex.brand(product.brand, matches: brand)
                {
                    products.append(product)
                }
            }
            guard skus.count == wanted, let last = skus.last else { break }
            cursor = last
        }
        return products
    }

    /// Raises the cached products' views to the stored totals, so reads show them. Totals
    /// only grow, so whichever daemon's flush is heard last, the largest one wins.
    public func raiseViews(to totals: [UUID: UInt64]) {
        for (sku, total) in totals {
            self.entries.change(sku) { cached in
                guard var product = cached?.product, product.views < total else { return nil }
                product.views = total
                return CacheEntry(product: product)
            }
        }
    }

    /// Makes the cache hold exactly `products` (a load of at most `capacity + 1`): what the
    /// store no longer has is dropped, which a change missed while disconnected may need.
    public func replace(with products: [Product]) {
        let kept = Set(products.prefix(self.capacity).map(\.sku))
        for sku in self.entries.skus(matching: { $0.isTombstone || !kept.contains($0.product!.sku) }) {
            self.entries.change(sku) { _ in .some(nil) }
        }
        for product in products.prefix(self.capacity) {
            self.putFromStore(product)
        }
        self.complete.store(products.count <= self.capacity, ordering: .relaxed)
    }
}
