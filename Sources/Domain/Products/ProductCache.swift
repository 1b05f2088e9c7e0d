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
    private struct Entry {
        var product: Product
        var serialized: [UInt8]?
    }

    private let entries = Striped<[UUID: Entry]>(count: 64) { [:] }
    private let entryCount = Atomic<Int>(0)
    private let complete = Atomic<Bool>(true)
    public let capacity: Int

    public init(capacity: Int) {
        self.capacity = capacity
    }

    /// Whether every product of the store is in the cache.
    public var isComplete: Bool { self.complete.load(ordering: .relaxed) }

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
        if let product = self.entries.withStripe(for: sku, { $0[sku]?.product }) {
            return .found(product)
        }
        return self.isComplete ? .absent : .unknown
    }

    /// Like `lookup`, but answers with the product serialized by `serialize`, which runs only
    /// when the product changed since the last serialized lookup.
    public func lookupSerialized(
        _ sku: UUID,
        serialize: (Product) throws -> [UInt8]
    ) throws -> SerializedLookup {
        let bytes = try self.entries.withStripe(for: sku) { (entries) throws -> [UInt8]? in
            guard var entry = entries[sku] else { return nil }
            if let serialized = entry.serialized {
                return serialized
            }
            let serialized = try serialize(entry.product)
            entry.serialized = serialized
            entries[sku] = entry
            return serialized
        }
        if let bytes {
            return .found(bytes)
        }
        return self.isComplete ? .absent : .unknown
    }

    /// Stores the product's newest state; an older version than the cached one is ignored,
    /// so writes that finish out of order leave the newest. A full cache becomes partial.
    public func put(_ product: Product) {
        self.insert(product, keepingNewer: true)
    }

    /// Stores the product as the store has it now, whatever version is cached: the store's
    /// word is newer than any write that finished before it was read, and a product deleted
    /// and made again starts at version 1.
    public func putFromStore(_ product: Product) {
        self.insert(product, keepingNewer: false)
    }

    private func insert(_ product: Product, keepingNewer: Bool) {
        let isNew = self.entries.withStripe(for: product.sku) { entries in
            if keepingNewer, let cached = entries[product.sku], cached.product.version > product.version {
                return false
            }
            return entries.updateValue(Entry(product: product), forKey: product.sku) == nil
        }
        guard isNew else { return }
        let count = self.entryCount.add(1, ordering: .relaxed).newValue
        if count > self.capacity {
            self.remove(product.sku)
            self.complete.store(false, ordering: .relaxed)
        }
    }

    public func remove(_ sku: UUID) {
        let removed = self.entries.withStripe(for: sku) { $0.removeValue(forKey: sku) != nil }
        if removed {
            self.entryCount.subtract(1, ordering: .relaxed)
        }
    }

    /// Raises the cached products' views to the stored totals, so reads show them. Totals
    /// only grow, so whichever daemon's flush is heard last, the largest one wins.
    public func raiseViews(to totals: [UUID: UInt64]) {
        for (sku, total) in totals {
            self.entries.withStripe(for: sku) { entries in
                if var product = entries[sku]?.product, product.views < total {
                    product.views = total
                    entries[sku] = Entry(product: product)
                }
            }
        }
    }

    /// Makes the cache hold exactly `products` (a load of at most `capacity + 1`): what the
    /// store no longer has is dropped, which a change missed while disconnected may need.
    public func replace(with products: [Product]) {
        let kept = Set(products.prefix(self.capacity).map(\.sku))
        var removed = 0
        self.entries.forEachStripe { entries in
            let gone = entries.keys.filter { !kept.contains($0) }
            for sku in gone {
                entries.removeValue(forKey: sku)
            }
            removed += gone.count
        }
        self.entryCount.subtract(removed, ordering: .relaxed)
        for product in products.prefix(self.capacity) {
            self.putFromStore(product)
        }
        self.complete.store(products.count <= self.capacity, ordering: .relaxed)
    }
}
