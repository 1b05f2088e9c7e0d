import Foundation
import Synchronization

/// A cached product and, once a reader asked for it, its serialized form: made once per
/// product state instead of once per read, and dropped whenever the product changes.
/// With no product, a tombstone: the product was deleted at `version`, and a write of an
/// older state that finishes late (an update racing the delete) must not bring it back.
struct CacheEntry: Sendable {
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

    var isTombstone: Bool { self.product == nil }
}

/// `ProductCache`'s memory, and the one way it changes. Everything that must follow an entry
/// (the listing index, the live and tombstone counts, every thread's serialized replica) follows
/// it in `change`, which is the only code that writes an entry: `ProductCache` cannot reach the
/// entries but through it, so no new kind of change can forget what a change must do.
struct CacheEntries: ~Copyable, Sendable {
    /// What a change did to the counts.
    struct Delta {
        var live = 0
        var tombstones = 0
    }

    private let entries = Striped<[UUID: CacheEntry]>(count: 64) { [:] }
    /// The live products' skus in listing order. Changed only under the stripe lock of the
    /// sku it changes, so it follows the entries in their order; no stripe is ever taken while
    /// it is held, so the two locks cannot deadlock.
    private let listingIndex = Mutex(ProductListingIndex())
    /// Live products, not tombstones.
    private let liveCount = Atomic<Int>(0)
    private let tombstones = Atomic<Int>(0)
    /// GetProduct's per-thread copies of the serialized products; made stale by every change.
    private let replicas = SerializedReplicas()

    var count: Int { self.liveCount.load(ordering: .relaxed) }
    var tombstoneCount: Int { self.tombstones.load(ordering: .relaxed) }

    /// Changes `sku`'s entry to what `decide` returns for the cached one: an entry, `.some(nil)`
    /// to remove it, or `nil` to leave it as it is. The listing index follows under the sku's
    /// lock; the counts follow, and every replica is made stale, once the lock is let go.
    /// - Returns: what the change did to the counts, `nil` when `decide` changed nothing.
    @discardableResult
    func change(_ sku: UUID, _ decide: (CacheEntry?) -> CacheEntry??) -> Delta? {
        let delta = self.entries.withStripe(for: sku) { entries -> Delta? in
            let old = entries[sku]
            guard let new = decide(old) else { return nil }
            entries[sku] = new
            self.reindex(from: old?.product, to: new?.product)
            return Delta(
                live: (new?.product == nil ? 0 : 1) - (old?.product == nil ? 0 : 1),
                tombstones: (new?.isTombstone == true ? 1 : 0) - (old?.isTombstone == true ? 1 : 0)
            )
        }
        guard let delta else { return nil }
        if delta.live != 0 {
            self.liveCount.add(delta.live, ordering: .relaxed)
        }
        if delta.tombstones != 0 {
            self.tombstones.add(delta.tombstones, ordering: .relaxed)
        }
        self.replicas.invalidate()
        return delta
    }

    /// The cached entry of `sku`, copied out.
    func entry(_ sku: UUID) -> CacheEntry? {
        self.entries.withStripe(for: sku) { $0[sku] }
    }

    /// The skus of every entry `matching`, to change each through `change`.
    func skus(matching: (CacheEntry) -> Bool) -> [UUID] {
        var skus: [UUID] = []
        self.entries.forEachStripe { entries in
            skus += entries.filter { matching($0.value) }.keys
        }
        return skus
    }

    /// Up to `limit` live skus above `after` in listing order, of one brand when `brand` is given.
    func listedSkus(after: UUID?, brand: String?, limit: Int) -> [UUID] {
        self.listingIndex.withLock { $0.skus(after: after, brand: brand, limit: limit) }
    }

    /// The product's serialized form: this thread's replica when it has it, else the shared
    /// entry's, made by `serialize` once per product state (a memo of the state, not a change of
    /// it). `nil` when the sku has no entry.
    @inline(__always)
    func serialized(_ sku: UUID, serialize: (Product) throws -> [UInt8]) throws -> ProductCache.SerializedLookup? {
        let generation = self.replicas.generation
        if let bytes = self.replicas.bytes(sku, generation: generation) {
            return .found(bytes)
        }
        // The entry is used in place, through its index: copying it out would retain and
        // release every string of the product on each read, on objects the other event loops
        // touch too.
        let lookup = try self.entries.withStripe(for: sku) { entries -> ProductCache.SerializedLookup? in
            guard let index = entries.index(forKey: sku) else { return nil }
            return try Self.memoizedSerialization(of: &entries.values[index], serialize)
        }
        if case .found(let bytes) = lookup {
            return .found(self.replicas.keep(bytes, for: sku, generation: generation))
        }
        return lookup
    }

    private static func memoizedSerialization(
        of entry: inout CacheEntry,
        _ serialize: (Product) throws -> [UInt8]
    ) rethrows -> ProductCache.SerializedLookup {
        if let serialized = entry.serialized {
            return .found(serialized)
        }
        guard let product = entry.product else { return .absent }
        let serialized = try serialize(product)
        entry.serialized = serialized
        return .found(serialized)
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
}
