import Domain
import Foundation
import GRDB

extension SQLiteStore: ViewReportStore {
    public func topProducts(in window: ReportWindow, brand: String?, limit: Int) async throws -> [ProductViewCount] {
        try await self.pool.read { db in
            // Summed per history over the window alone (an index range scan); only the
            // leaders (the top `limit` sums and their ties) are joined to their names and ranked
            // by sku; the window before is read for the ranked products only.
            try Row.fetchAll(
                db,
                sql: """
                    WITH sums AS MATERIALIZED (
                        SELECT history_id, sum(views) AS views FROM view_buckets
                        WHERE bucket_start >= ?2 AND bucket_start < ?3
                            AND (?4 IS NULL OR history_id IN (SELECT id FROM view_histories WHERE brand = ?4))
                        GROUP BY history_id
                    ), ranked AS (
                        SELECT h.id, h.sku, h.name, h.brand, h.deleted_time IS NOT NULL AS deleted, s.views
                        FROM sums s JOIN view_histories h ON h.id = s.history_id
                        WHERE s.views >= coalesce((SELECT views FROM sums ORDER BY views DESC LIMIT 1 OFFSET ?5 - 1), 0)
                        ORDER BY s.views DESC, h.sku, h.id DESC
                        LIMIT ?5
                    )
                    SELECT r.sku, r.name, r.brand, r.deleted, r.views,
                        coalesce((
                            SELECT sum(b.views) FROM view_buckets b
                            WHERE b.history_id = r.id AND b.bucket_start >= ?1 AND b.bucket_start < ?2
                        ), 0) AS previous
                    FROM ranked r
                    ORDER BY r.views DESC, r.sku, r.id DESC
                    """,
                arguments: Self.windowArguments(window) + [brand, limit]
            ).map { row in
                guard let sku = UUID(uuidString: row["sku"]) else {
                    throw StorageError.corruptRow("view_histories.sku is not a UUID")
                }
                return ProductViewCount(
                    sku: sku,
                    name: row["name"],
                    brand: row["brand"],
                    views: Self.count(row["views"]),
                    previousViews: Self.count(row["previous"]),
                    deleted: row["deleted"]
                )
            }
        }
    }

    public func brandViews(in window: ReportWindow) async throws -> [BrandViewCount] {
        try await self.pool.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT h.brand, sum(t.views) AS views, sum(t.previous) AS previous
                    FROM (\(Self.windowSums) GROUP BY history_id) t
                    JOIN view_histories h ON h.id = t.history_id
                    GROUP BY h.brand
                    """,
                arguments: Self.windowArguments(window)
            ).map { row in
                BrandViewCount(
                    brand: row["brand"],
                    views: Self.count(row["views"]),
                    previousViews: Self.count(row["previous"])
                )
            }
        }
    }

    public func viewBuckets(sku: UUID, from start: Int64, to end: Int64) async throws -> ViewBuckets? {
        try await self.pool.read { db in
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
        try await self.pool.write { db in
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

    /// Each history's views in the window (?2..<?3) and in the window before (?1..<?2).
    private static let windowSums = """
        SELECT history_id,
            sum(CASE WHEN bucket_start >= ?2 THEN views ELSE 0 END) AS views,
            sum(CASE WHEN bucket_start < ?2 THEN views ELSE 0 END) AS previous
        FROM view_buckets WHERE bucket_start >= ?1 AND bucket_start < ?3
        """

    private static func windowArguments(_ window: ReportWindow) -> StatementArguments {
        [window.previous.start, window.start, window.end]
    }

    private static func count(_ value: Int64) -> UInt64 {
        UInt64(max(value, 0))
    }
}
