public import Domain
public import Foundation
import GRDB

extension SQLiteStore: ViewReportStore {
    public func topProducts(in window: ReportWindow, brand: String?, limit: Int) async throws -> [ProductViewCount] {
        try await self.read { db in
            let views = try Self.viewsPerHistory(db, from: window.start, to: window.end, brand: brand)
            let contenders = TopProductsRanking.contenders(of: views, limit: limit)
            var named: [TopProductsRanking.Contender] = []
            let histories = try Row.fetchCursor(
                db,
                sql: """
                    SELECT id, sku, name, brand, deleted_time IS NOT NULL FROM view_histories
                    WHERE id IN (SELECT value FROM json_each(?))
                    """,
                arguments: [Self.jsonArray(contenders.keys)]
            )
            while let row = try histories.next() {
                let id: Int64 = row[0]
                guard let sku = UUID(uuidString: row[1]) else {
                    throw StorageError.corruptRow("view_histories.sku is not a UUID")
                }
                let count = ProductViewCount(
                    sku: sku,
                    name: row[2],
                    brand: row[3],
                    views: contenders[id] ?? 0,
                    previousViews: 0,
                    deleted: row[4]
                )
                named.append(TopProductsRanking.Contender(historyID: id, count: count))
            }
            // The window before, for the ranked ones only: one range of the primary key each.
            let previous = try db.cachedStatement(
                sql: """
                    SELECT coalesce(sum(views), 0) FROM view_buckets
                    WHERE history_id = ? AND bucket_start >= ? AND bucket_start < ?
                    """
            )
            return try TopProductsRanking.ranked(named, limit: limit).map { contender in
                var count = contender.count
                let views = try Int64.fetchOne(
                    previous,
                    arguments: [contender.historyID, window.previous.start, window.start]
                )
                count.previousViews = Self.count(views ?? 0)
                return count
            }
        }
    }

    public func brandViews(in window: ReportWindow) async throws -> [BrandViewCount] {
        try await self.read { db in
            let views = try Self.viewsPerHistory(db, from: window.start, to: window.end, brand: nil)
            let previous = try Self.viewsPerHistory(db, from: window.previous.start, to: window.start, brand: nil)
            var brands: [String: BrandViewCount] = [:]
            let histories = try Row.fetchCursor(db, sql: "SELECT id, brand FROM view_histories")
            while let row = try histories.next() {
                let id: Int64 = row[0]
                let (inWindow, before) = (views[id] ?? 0, previous[id] ?? 0)
                guard inWindow > 0 || before > 0 else { continue }
                let brand: String = row[1]
                brands[brand, default: BrandViewCount(brand: brand, views: 0, previousViews: 0)].views += inWindow
                brands[brand]?.previousViews += before
            }
            return Array(brands.values)
        }
    }

    /// Each history's views in the buckets that start in `start..<end` (of histories whose last
    /// brand is `brand`, when given), summed here from one range of the time index.
    ///
    /// SQLite has no hash aggregate: grouping by history in SQL either sorts the range in a
    /// temporary b-tree or skip-scans the primary key once per history, about 150 ms for a day
    /// of 100,000 products, where reading the range takes about 15 (docs/PERFORMANCE.md).
    private static func viewsPerHistory(
        _ db: Database,
        from start: Int64,
        to end: Int64,
        brand: String?
    ) throws -> [Int64: UInt64] {
        let rows =
            if let brand {
                try Row.fetchCursor(
                    db.cachedStatement(
                        sql: """
                            SELECT b.history_id, b.views FROM view_buckets b INDEXED BY view_buckets_time
                            JOIN view_histories h ON h.id = b.history_id
                            WHERE b.bucket_start >= ? AND b.bucket_start < ? AND h.brand = ?
                            """
                    ),
                    arguments: [start, end, brand]
                )
            } else {
                try Row.fetchCursor(
                    db.cachedStatement(
                        sql: """
                            SELECT history_id, views FROM view_buckets INDEXED BY view_buckets_time
                            WHERE bucket_start >= ? AND bucket_start < ?
                            """
                    ),
                    arguments: [start, end]
                )
            }
        var views: [Int64: UInt64] = [:]
        while let row = try rows.next() {
            views[row[0], default: 0] += Self.count(row[1])
        }
        return views
    }

    /// `ids` as a JSON array, for `json_each`: one bound argument however many there are.
    private static func jsonArray(_ ids: some Sequence<Int64>) -> String {
        "[" + ids.map(String.init).joined(separator: ",") + "]"
    }

    public func viewBuckets(sku: UUID, from start: Int64, to end: Int64) async throws -> ViewBuckets? {
        try await self.read { db in
            // The live product's history, else the newest deleted one.
            guard
                let history = try Row.fetchOne(
                    db,
                    sql: """
                        SELECT id, name, brand, views, deleted_time IS NOT NULL AS deleted FROM view_histories
                        WHERE sku = ? ORDER BY deleted_time IS NULL DESC, id DESC LIMIT 1
                        """,
                    arguments: [sku.canonicalText]
                )
            else {
                return nil
            }
            var buckets: [Int64: UInt64] = [:]
            let rows = try Row.fetchCursor(
                db,
                sql: """
                    SELECT bucket_start, views FROM view_buckets
                    WHERE history_id = ? AND bucket_start >= ? AND bucket_start < ?
                    """,
                arguments: [history["id"] as Int64, start, end]
            )
            while let row = try rows.next() {
                buckets[row["bucket_start"]] = Self.count(row["views"])
            }
            return ViewBuckets(
                sku: sku,
                name: history["name"],
                brand: history["brand"],
                deleted: history["deleted"],
                totalViews: Self.count(history["views"]),
                buckets: buckets
            )
        }
    }

    public func foldHourlyViews(before cutoff: Int64) async throws -> Int {
        try await self.write { db in
            // An hour's bucket that starts a day (00:00) is kept in place and becomes the day's.
            let hoursToFold = "bucket_start < ?1 AND bucket_start % 86400 <> 0"
            try db.execute(
                sql: """
                    INSERT INTO view_buckets (history_id, bucket_start, views)
                    SELECT history_id, bucket_start - bucket_start % 86400, sum(views) FROM view_buckets
                    WHERE \(hoursToFold) GROUP BY 1, 2
                    ON CONFLICT (history_id, bucket_start) DO UPDATE SET views = views + excluded.views
                    """,
                arguments: [cutoff]
            )
            try db.execute(sql: "DELETE FROM view_buckets WHERE \(hoursToFold)", arguments: [cutoff])
            return db.changesCount
        }
    }

    private static func count(_ value: Int64) -> UInt64 {
        UInt64(max(value, 0))
    }
}
