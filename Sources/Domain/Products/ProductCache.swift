import Foundation
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

    /// A cached product and, once a reader asked for it, its serialized form: made once per
    /// product state instead of once per read, and dropped whenever the product changes.
    /// With no product, a tombstone: the product was deleted at `version`, and a write of an
    /// older state that finishes late (an update racing the delete) must not bring it back.
    private struct Entry {
        var product: Product?
        var version: UInt64
        var serialized: [UInt8]?

        init(product: Product) {
            self.product = product
            self.version = product.version
        }

        init(deletedAt version: UInt64) {
            self.version = version
        }

        /// The product's serialized form, made by `serialize` if this state has none yet;
        /// `absent` for a tombstone.
        mutating func lookupSerialized(_ serialize: (Product) throws -> [UInt8]) rethrows -> SerializedLookup {
            if let serialized = self.serialized {
                return .found(serialized)
            }
            guard let product = self.product else { return .absent }
            let serialized = try serialize(product)
            self.serialized = serialized
            return .found(serialized)
        }
    }

    private let entries = Striped<[UUID: Entry]>(count: 64) { [:] }
    /// The live products' skus in listing order. Changed only under the stripe lock of the
    /// sku it changes, so it follows the entries in their order; no stripe is ever taken while
    /// it is held, so the two locks cannot deadlock.
    private let listingIndex = Mutex(ProductListingIndex())
    /// Live products, not tombstones.
    private let entryCount = Atomic<Int>(0)
    private let tombstoneCount = Atomic<Int>(0)
    private let complete = Atomic<Bool>(true)
    /// GetProduct's per-thread copies of the serialized products; told of every change.
    private let replicas = SerializedReplicas()
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
    public var count: Int { self.entryCount.load(ordering: .relaxed) }

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
        switch self.entries.withStripe(for: sku, { $0[sku] }) {
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
        let generation = self.replicas.generation
        if let bytes = self.replicas.bytes(sku, generation: generation) {
            return .found(bytes)
        }
        // The entry is used in place, through its index: copying it out would retain and
        // release every string of the product on each read, on objects the other event loops
        // touch too.
        let lookup = try self.entries.withStripe(for: sku) { entries -> SerializedLookup? in
            guard let index = entries.index(forKey: sku) else { return nil }
            return try entries.values[index].lookupSerialized(serialize)
        }
        guard let lookup else {
            return self.isComplete ? .absent : .unknown
        }
        if case .found(let bytes) = lookup {
            return .found(self.replicas.keep(bytes, for: sku, generation: generation))
        }
        return lookup
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
        let (isNew, wasTombstone) = self.entries.withStripe(for: product.sku) { entries -> (Bool, Bool) in
            let cached = entries[product.sku]
            if keepingNewer, let cached {
                let isTombstone = cached.product == nil
                if cached.version > product.version || (isTombstone && cached.version == product.version) {
                    return (false, false)
                }
            }
            entries[product.sku] = Entry(product: product)
            self.reindex(from: cached?.product, to: product)
            return (cached?.product == nil, cached != nil && cached?.product == nil)
        }
        self.replicas.invalidate()
        if wasTombstone {
            self.tombstoneCount.subtract(1, ordering: .relaxed)
        }
        guard isNew else { return }
        let count = self.entryCount.add(1, ordering: .relaxed).newValue
        if count > self.capacity {
            self.evict(product.sku)
            self.complete.store(false, ordering: .relaxed)
        }
    }

    /// Records that the product was deleted at `version` (`UInt64.max` when only the store's
    /// absence is known): reads find it absent, and late writes of older states are ignored.
    public func markDeleted(_ sku: UUID, version: UInt64) {
        let (wasLive, isNewTombstone) = self.entries.withStripe(for: sku) { entries -> (Bool, Bool) in
            let cached = entries[sku]
            entries[sku] = Entry(deletedAt: max(version, cached?.version ?? 0))
            self.reindex(from: cached?.product, to: nil)
            return (cached?.product != nil, cached == nil || cached?.product != nil)
        }
        self.replicas.invalidate()
        if wasLive {
            self.entryCount.subtract(1, ordering: .relaxed)
        }
        if isNewTombstone, self.tombstoneCount.add(1, ordering: .relaxed).newValue > self.maxTombstones {
            self.dropTombstones()
        }
    }

    /// Evicts a live product to keep within capacity.
    private func evict(_ sku: UUID) {
        let removed = self.entries.withStripe(for: sku) { entries in
            guard let product = entries.removeValue(forKey: sku)?.product else { return false }
            self.reindex(from: product, to: nil)
            return true
        }
        if removed {
            self.entryCount.subtract(1, ordering: .relaxed)
            self.replicas.invalidate()
        }
    }

    private func dropTombstones() {
        var dropped = 0
        self.entries.forEachStripe { entries in
            let tombstones = entries.filter { $0.value.product == nil }.keys
            for sku in tombstones {
                entries.removeValue(forKey: sku)
            }
            dropped += tombstones.count
        }
        self.tombstoneCount.subtract(dropped, ordering: .relaxed)
    }

    /// Keeps the listing index in step with an entry that changed from `old` to `new` (`nil`:
    /// no live product). Call under the sku's stripe lock.
    private func reindex(from old: Product?, to new: Product?) {
        switch (old, new) {
        case (nil, nil): return
        case let (old?, new?) where old.brand.utf8.elementsEqual(new.brand.utf8): return
        default: break
        }
        self.listingIndex.withLock { index in
            if let old {
                index.remove(old.sku, brand: old.brand)
            }
            if let new {
                index.insert(new.sku, brand: new.brand)
            }
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
            let skus = self.listingIndex.withLock { $0.skus(after: cursor, brand: brand, limit: wanted) }
            for sku in skus {
                // Deleted, or moved to another brand, since the index was read: left out, as a
                // store read a moment later would.
                if let product = self.entries.withStripe(for: sku, { $0[sku]?.product }),
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
        var raised = false
        for (sku, total) in totals {
            self.entries.withStripe(for: sku) { entries in
                if var product = entries[sku]?.product, product.views < total {
                    product.views = total
                    entries[sku] = Entry(product: product)
                    raised = true
                }
            }
        }
        // A flush that raised nothing (every total already shown) leaves the copies valid.
        if raised {
            self.replicas.invalidate()
        }
    }

    /// Makes the cache hold exactly `products` (a load of at most `capacity + 1`): what the
    /// store no longer has is dropped, which a change missed while disconnected may need.
    public func replace(with products: [Product]) {
        let kept = Set(products.prefix(self.capacity).map(\.sku))
        var removed = 0
        self.entries.forEachStripe { entries in
            let gone = entries.filter { !kept.contains($0.key) || $0.value.product == nil }.keys
            for sku in gone {
                guard let product = entries.removeValue(forKey: sku)?.product else { continue }
                self.reindex(from: product, to: nil)
                removed += 1
            }
        }
        self.entryCount.subtract(removed, ordering: .relaxed)
        self.tombstoneCount.store(0, ordering: .relaxed)
        self.replicas.invalidate()
        for product in products.prefix(self.capacity) {
            self.putFromStore(product)
        }
        self.complete.store(products.count <= self.capacity, ordering: .relaxed)
    }
}
