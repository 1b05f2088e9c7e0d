import Foundation

/// The skus of the cached products in listing order, overall and per brand, so that a listing
/// is served from memory while the cache holds the whole catalog.
///
/// The order is the stores': by the sku's 16 bytes, which is also the order of its lower-case
/// text (SQLite) and of PostgreSQL's `uuid`. Brands match as the stores' `=` does, byte for
/// byte: Swift's `==` would also match a brand spelled in another Unicode normal form.
struct ProductListingIndex {
    private var all = SortedSkus()
    private var byBrand: [[UInt8]: SortedSkus] = [:]

    mutating func insert(_ sku: UUID, brand: String) {
        self.all.insert(SortedSkus.Key(sku))
        self.byBrand[Array(brand.utf8), default: SortedSkus()].insert(SortedSkus.Key(sku))
    }

    mutating func remove(_ sku: UUID, brand: String) {
        self.all.remove(SortedSkus.Key(sku))
        let brandKey = Array(brand.utf8)
        self.byBrand[brandKey]?.remove(SortedSkus.Key(sku))
        if self.byBrand[brandKey]?.count == 0 {
            self.byBrand.removeValue(forKey: brandKey)
        }
    }

    /// Up to `limit` skus after `after` (from the first when `nil`), in order, of one brand
    /// when `brand` is given.
    func skus(after: UUID?, brand: String?, limit: Int) -> [UUID] {
        let skus: SortedSkus
        if let brand {
            guard let ofBrand = self.byBrand[Array(brand.utf8)] else { return [] }
            skus = ofBrand
        } else {
            skus = self.all
        }
        return skus.keys(after: after.map(SortedSkus.Key.init), limit: limit).map(\.uuid)
    }

    /// Whether a product's brand is the one a listing asked for, as the index compares them.
    static func brand(_ brand: String, matches filter: String?) -> Bool {
        guard let filter else { return true }
        return brand.utf8.elementsEqual(filter.utf8)
    }
}

/// A sorted set of skus in chunks of at most `maxChunk`: an insert or a removal moves at most
/// one chunk, not the whole array (a catalog of a million products would move 16 MB), and
/// finding a place is two binary searches.
struct SortedSkus {
    /// A sku as two big-endian words, which compare as its bytes do.
    struct Key: Comparable {
        var high: UInt64
        var low: UInt64

        init(_ uuid: UUID) {
            let bytes = uuid.uuid
            self.high = withUnsafeBytes(of: bytes) { $0.loadUnaligned(fromByteOffset: 0, as: UInt64.self).bigEndian }
            self.low = withUnsafeBytes(of: bytes) { $0.loadUnaligned(fromByteOffset: 8, as: UInt64.self).bigEndian }
        }

        var uuid: UUID {
            var bytes = uuid_t(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
            withUnsafeMutableBytes(of: &bytes) { raw in
                raw.storeBytes(of: self.high.bigEndian, toByteOffset: 0, as: UInt64.self)
                raw.storeBytes(of: self.low.bigEndian, toByteOffset: 8, as: UInt64.self)
            }
            return UUID(uuid: bytes)
        }

        static func < (lhs: Key, rhs: Key) -> Bool {
            (lhs.high, lhs.low) < (rhs.high, rhs.low)
        }
    }

    private static let maxChunk = 512
    /// Non-empty chunks, each sorted, every key of one below every key of the next.
    private var chunks: [[Key]] = []
    private(set) var count = 0

    mutating func insert(_ key: Key) {
        guard !self.chunks.isEmpty else {
            self.chunks = [[key]]
            self.count = 1
            return
        }
        // The first chunk that ends at or past the key, or the last one for a key past them all.
        let chunk = min(self.chunkIndex(endingAtOrAfter: key), self.chunks.count - 1)
        let position = Self.firstIndex(in: self.chunks[chunk], notBelow: key)
        if position < self.chunks[chunk].count, self.chunks[chunk][position] == key {
            return
        }
        self.chunks[chunk].insert(key, at: position)
        self.count += 1
        if self.chunks[chunk].count > Self.maxChunk {
            let upper = Array(self.chunks[chunk][(Self.maxChunk / 2)...])
            self.chunks[chunk].removeSubrange((Self.maxChunk / 2)...)
            self.chunks.insert(upper, at: chunk + 1)
        }
    }

    mutating func remove(_ key: Key) {
        let chunk = self.chunkIndex(endingAtOrAfter: key)
        guard chunk < self.chunks.count else { return }
        let position = Self.firstIndex(in: self.chunks[chunk], notBelow: key)
        guard position < self.chunks[chunk].count, self.chunks[chunk][position] == key else { return }
        self.chunks[chunk].remove(at: position)
        self.count -= 1
        if self.chunks[chunk].isEmpty {
            self.chunks.remove(at: chunk)
        }
    }

    /// Up to `limit` keys above `after` (from the first when `nil`), in order.
    func keys(after: Key?, limit: Int) -> [Key] {
        var chunk = 0
        var position = 0
        if let after {
            chunk = self.chunkIndex(endingAfter: after)
            guard chunk < self.chunks.count else { return [] }
            position = Self.firstIndex(in: self.chunks[chunk], above: after)
        }
        var keys: [Key] = []
        keys.reserveCapacity(min(limit, self.count))
        while keys.count < limit, chunk < self.chunks.count {
            let taken = self.chunks[chunk][position...].prefix(limit - keys.count)
            keys.append(contentsOf: taken)
            chunk += 1
            position = 0
        }
        return keys
    }

    /// The first chunk whose last key is at least `key`; `chunks.count` when there is none.
    private func chunkIndex(endingAtOrAfter key: Key) -> Int {
        self.chunks.partitionPoint { !($0.last! < key) }
    }

    /// The first chunk whose last key is above `key`; `chunks.count` when there is none.
    private func chunkIndex(endingAfter key: Key) -> Int {
        self.chunks.partitionPoint { key < $0.last! }
    }

    private static func firstIndex(in keys: [Key], notBelow key: Key) -> Int {
        keys.partitionPoint { !($0 < key) }
    }

    private static func firstIndex(in keys: [Key], above key: Key) -> Int {
        keys.partitionPoint { key < $0 }
    }
}

extension Array {
    /// The index of the first element for which `isPast` holds, given that it then holds for
    /// every element after it too (a binary search); `count` when it holds for none.
    fileprivate func partitionPoint(where isPast: (Element) -> Bool) -> Int {
        var low = 0
        var high = self.count
        while low < high {
            let middle = (low + high) / 2
            if isPast(self[middle]) {
                high = middle
            } else {
                low = middle + 1
            }
        }
        return low
    }
}
