/// How TopProducts ranks view histories, for a store that sums their views itself (SQLite has
/// no hash aggregate: see `SQLiteStore.viewsPerHistory`): most views first, ties by sku, then
/// the newer history (the higher id) first, as `ViewReportStore.topProducts` promises.
public enum TopProductsRanking {
    /// The histories that can be among the first `limit`: those with at least the `limit`-th
    /// highest views. Ties at that threshold are all kept, for their skus to decide; only
    /// these need their names read.
    public static func contenders(of views: [Int64: UInt64], limit: Int) -> [Int64: UInt64] {
        guard limit > 0 else { return [:] }
        guard views.count > limit else { return views }
        var highest = Array(views.values)
        // A partial sort would do less work; sorting 100,000 counts takes about 5 ms of the
        // report's 30, and this reads plainly.
        highest.sort(by: >)
        let threshold = highest[limit - 1]
        return views.filter { $0.value >= threshold }
    }

    /// The first `limit` of `histories` in the report's order.
    public static func ranked(_ histories: [Contender], limit: Int) -> [Contender] {
        let ordered = histories.sorted { left, right in
            if left.count.views != right.count.views { return left.count.views > right.count.views }
            if left.skuText != right.skuText { return left.skuText < right.skuText }
            return left.historyID > right.historyID
        }
        return Array(ordered.prefix(max(limit, 0)))
    }

    /// A history among the contenders, with what the report says of it.
    public struct Contender: Sendable, Hashable {
        public var historyID: Int64
        public var count: ProductViewCount
        /// The sku as the stores order it: the canonical (lower-case) text, whose order is the
        /// UUID's byte order, as PostgreSQL sorts its `uuid` type.
        public let skuText: String

        public init(historyID: Int64, count: ProductViewCount) {
            self.historyID = historyID
            self.count = count
            self.skuText = count.sku.canonicalText
        }
    }
}
