public import Domain
public import Foundation
import PostgresNIO

extension PostgresStore: ViewReportStore {
    public func topProducts(in window: ReportWindow, brand: String?, limit: Int) async throws -> [ProductViewCount] {
        try await self.transaction { connection in
            // For this transaction, in one round trip: memory enough for the sums of a day of
            // every product without spilling to disk; and grouping by sorting the window's
            // buckets, not in a hash table: a day of 100,000 products (180,000 buckets) sums in
            // 83 ms so, and in 105 with a hash of 100,000 groups, whose entries miss the cache;
            // with every product in every hour (2.4 million buckets) the sort is a tenth slower
            // (docs/PERFORMANCE.md).
            try await connection.query(
                """
                SELECT set_config('work_mem', \(Self.reportWorkMemory), true),
                    set_config('enable_hashagg', 'off', true),
                    set_config('statement_timeout', \(self.reportStatementTimeout), true)
                """,
                logger: self.logger
            )
            // Summed per history over the window alone (a range of view_buckets_time);
            // only the leaders (with their ties) are joined to their names and ranked by sku;
            // the window before is read for the ranked products only.
            let rows = try await connection.query(
                """
                WITH sums AS (
                    SELECT history_id, view_sum(views) AS views FROM view_buckets
                    WHERE bucket_start >= \(window.start) AND bucket_start < \(window.end)
                        AND (\(brand)::text IS NULL OR history_id IN (SELECT id FROM view_histories WHERE brand = \(brand)))
                    GROUP BY history_id
                ), leaders AS (
                    SELECT history_id, views FROM sums ORDER BY views DESC FETCH FIRST (\(limit)) ROWS WITH TIES
                ), ranked AS (
                    SELECT h.id, h.sku, h.name, h.brand, h.deleted_time IS NOT NULL AS deleted, l.views
                    FROM leaders l JOIN view_histories h ON h.id = l.history_id
                    ORDER BY l.views DESC, h.sku, h.id DESC
                    LIMIT \(limit)
                )
                SELECT r.sku, r.name, r.brand, r.deleted, r.views,
                    coalesce((
                        SELECT view_sum(b.views) FROM view_buckets b
                        WHERE b.history_id = r.id
                            AND b.bucket_start >= \(window.previous.start) AND b.bucket_start < \(window.start)
                    ), 0)
                FROM ranked r
                ORDER BY r.views DESC, r.sku, r.id DESC
                """,
                logger: self.logger
            )
            var products: [ProductViewCount] = []
            for try await (sku, name, brand, deleted, views, previous) in rows.decode(
                (UUID, String, String, Bool, Int64, Int64).self
            ) {
                products.append(
                    ProductViewCount(
                        sku: sku,
                        name: name,
                        brand: brand,
                        views: UInt64(max(views, 0)),
                        previousViews: UInt64(max(previous, 0)),
                        deleted: deleted
                    )
                )
            }
            return products
        }
    }

    public func brandViews(in window: ReportWindow) async throws -> [BrandViewCount] {
        try await self.transaction { connection in
            try await connection.query(
                "SELECT set_config('statement_timeout', \(self.reportStatementTimeout), true)",
                logger: self.logger
            )
            let rows = try await connection.query(
                """
                SELECT h.brand, view_sum(t.views), view_sum(t.previous)
                FROM (
                    SELECT history_id,
                        coalesce(view_sum(views) FILTER (WHERE bucket_start >= \(window.start)), 0) AS views,
                        coalesce(view_sum(views) FILTER (WHERE bucket_start < \(window.start)), 0) AS previous
                    FROM view_buckets
                    WHERE bucket_start >= \(window.previous.start) AND bucket_start < \(window.end)
                    GROUP BY history_id
                ) t
                JOIN view_histories h ON h.id = t.history_id
                GROUP BY h.brand
                """,
                logger: self.logger
            )
            var brands: [BrandViewCount] = []
            for try await (brand, views, previous) in rows.decode((String, Int64, Int64).self) {
                brands.append(
                    BrandViewCount(brand: brand, views: UInt64(max(views, 0)), previousViews: UInt64(max(previous, 0)))
                )
            }
            return brands
        }
    }

    public func viewBuckets(sku: UUID, from start: Int64, to end: Int64) async throws -> ViewBuckets? {
        try await self.run { client in
            // One statement, so the history and its buckets are one snapshot. The live
            // product's history, else the newest deleted one; bucket columns are NULL when the
            // window holds none.
            let rows = try await client.query(
                """
                WITH history AS (
                    SELECT id, name, brand, views, deleted_time IS NOT NULL AS deleted FROM view_histories
                    WHERE sku = \(sku) ORDER BY deleted_time IS NULL DESC, id DESC LIMIT 1
                )
                SELECT h.name, h.brand, h.views, h.deleted, b.bucket_start, b.views
                FROM history h LEFT JOIN view_buckets b
                    ON b.history_id = h.id AND b.bucket_start >= \(start) AND b.bucket_start < \(end)
                """,
                logger: self.logger
            )
            var history: ViewBuckets?
            for try await (name, brand, total, deleted, bucketStart, views) in rows.decode(
                (String, String, Int64, Bool, Int64?, Int64?).self
            ) {
                if history == nil {
                    history = ViewBuckets(
                        sku: sku,
                        name: name,
                        brand: brand,
                        deleted: deleted,
                        totalViews: UInt64(max(total, 0)),
                        buckets: [:]
                    )
                }
                if let bucketStart, let views {
                    history?.buckets[bucketStart] = UInt64(max(views, 0))
                }
            }
            return history
        }
    }

    public func foldHourlyViews(before cutoff: Int64) async throws -> Int {
        try await self.transaction { connection in
            // One daemon folds at a time; the others find the lock taken and leave it to it.
            let locked = try await connection.query(
                "SELECT pg_try_advisory_xact_lock(\(Self.foldLockKey))",
                logger: self.logger
            )
            for try await taken in locked.decode(Bool.self) where !taken {
                return 0
            }
            // An hour's bucket that starts a day (00:00) is kept in place and becomes the day's.
            let rows = try await connection.query(
                """
                WITH moved AS (
                    DELETE FROM view_buckets WHERE bucket_start < \(cutoff) AND bucket_start % 86400 <> 0
                    RETURNING history_id, bucket_start - bucket_start % 86400 AS day, views
                ), folded AS (
                    INSERT INTO view_buckets AS b (history_id, bucket_start, views)
                    SELECT history_id, day, view_sum(views) FROM moved GROUP BY 1, 2 ORDER BY 1, 2
                    ON CONFLICT (history_id, bucket_start) DO UPDATE SET views = b.views + excluded.views
                )
                SELECT count(*) FROM moved
                """,
                logger: self.logger
            )
            var folded = 0
            for try await count in rows.decode(Int64.self) {
                folded = Int(count)
            }
            return folded
        }
    }

    /// `work_mem` of a TopProducts statement: its hash of every product's sums (about 80 bytes
    /// each) stays in memory up to a million products. Reports are admin calls, few at once.
    static let reportWorkMemory = "96MB"

    /// `statement_timeout` of a report's statements, in milliseconds: the call's own bound
    /// (`--database-timeout`), so that a report whose caller has stopped waiting also stops
    /// running on the server, and its connection returns to the pool. Other statements are
    /// single-row or indexed, and a migration may run for long: they keep the server's setting.
    var reportStatementTimeout: String {
        let (seconds, attoseconds) = self.options.timeout.components
        return String(seconds * 1000 + attoseconds / 1_000_000_000_000_000)
    }

    /// The advisory lock of the fold, apart from the migrations' lock.
    static let foldLockKey: Int64 = PostgresMigrations.advisoryLockKey + 1
}
