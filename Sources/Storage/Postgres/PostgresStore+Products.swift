public import Domain
public import Foundation
import PostgresNIO

extension PostgresStore: ProductStore {
    private typealias ProductRow = (UUID, String, String, Int64, String, Int64, Int64, Int64, Int64)

    private static let selectProducts = """
        SELECT p.sku, p.name, p.brand, p.price_cents, p.currency, p.version, p.create_time, p.update_time,
               COALESCE(v.views, 0)
        FROM products p LEFT JOIN view_histories v ON v.sku = p.sku AND v.deleted_time IS NULL
        """

    public func loadProducts(limit: Int) async throws -> [Product] {
        try await self.run { client in
            try await Self.products(
                client.query("\(unescaped: Self.selectProducts) ORDER BY p.sku LIMIT \(limit)", logger: self.logger)
            )
        }
    }

    public func product(sku: UUID) async throws -> Product? {
        try await self.run { client in
            try await Self.products(
                client.query("\(unescaped: Self.selectProducts) WHERE p.sku = \(sku)", logger: self.logger)
            ).first
        }
    }

    public func listProducts(after: UUID?, brand: String?, limit: Int) async throws -> [Product] {
        try await self.run { client in
            // Each call is planned with its values, so the IS NULL tests fold away.
            try await Self.products(
                client.query(
                    """
                    \(unescaped: Self.selectProducts)
                    WHERE (\(after)::uuid IS NULL OR p.sku > \(after)) AND (\(brand)::text IS NULL OR p.brand = \(brand))
                    ORDER BY p.sku LIMIT \(limit)
                    """,
                    logger: self.logger
                )
            )
        }
    }

    @discardableResult
    public func insertProduct(
        _ product: Product,
        change: ProductChange,
        continueViewHistory: Bool
    ) async throws -> UInt64 {
        do {
            return try await self.transaction { connection in
                try await connection.query(
                    """
                    INSERT INTO products (sku, name, brand, price_cents, currency, version, create_time, update_time)
                    VALUES (\(product.sku), \(product.name), \(product.brand), \(product.priceCents),
                        \(product.currency), \(Int64(product.version)), \(Timestamp.microseconds(product.createTime)),
                        \(Timestamp.microseconds(product.updateTime)))
                    """,
                    logger: self.logger
                )
                let views = try await self.beginViewHistory(
                    of: product,
                    continuing: continueViewHistory,
                    on: connection
                )
                try await self.enqueueNotifications(of: change, on: connection, at: product.updateTime)
                try await self.announce(.product(product.sku), on: connection)
                return views
            }
        } catch  where PostgresErrors.isUniqueViolation(error) {
            throw DomainError(.alreadyExists, "product \(product.sku.canonicalText) already exists")
        }
    }

    public func updateProduct(
        sku: UUID,
        _ update: @escaping @Sendable (Product) throws -> ProductUpdate
    ) async throws -> Product {
        try await self.transaction { connection in
            let current = try await self.lockProduct(sku, on: connection)
            let outcome = try update(current)
            guard let change = outcome.change else {
                return current
            }
            let updated = outcome.product
            try await connection.query(
                """
                UPDATE products SET name = \(updated.name), brand = \(updated.brand), price_cents = \(updated.priceCents),
                    currency = \(updated.currency), version = \(Int64(updated.version)),
                    update_time = \(Timestamp.microseconds(updated.updateTime))
                WHERE sku = \(sku)
                """,
                logger: self.logger
            )
            try await connection.query(
                """
                UPDATE view_histories SET name = \(updated.name), brand = \(updated.brand)
                WHERE sku = \(sku) AND deleted_time IS NULL
                """,
                logger: self.logger
            )
            try await self.enqueueNotifications(of: change, on: connection, at: updated.updateTime)
            try await self.announce(.product(sku), on: connection)
            return updated
        }
    }

    public func deleteProduct(
        sku: UUID,
        at now: Date,
        _ check: @escaping @Sendable (Product) throws -> ProductChange
    ) async throws -> Product {
        try await self.transaction { connection in
            let current = try await self.lockProduct(sku, on: connection)
            let change = try check(current)
            try await connection.query("DELETE FROM products WHERE sku = \(sku)", logger: self.logger)
            try await connection.query(
                """
                UPDATE view_histories SET deleted_time = \(Timestamp.microseconds(now))
                WHERE sku = \(sku) AND deleted_time IS NULL
                """,
                logger: self.logger
            )
            try await self.enqueueNotifications(of: change, on: connection, at: now)
            try await self.announce(.product(sku), on: connection)
            return current
        }
    }

    /// One statement, whatever the number of products: adds the counts to the totals and to
    /// the hour's buckets (additively, so any number of daemons may flush into one database;
    /// in one statement, so the buckets always sum to the totals), skips products deleted
    /// meanwhile, and announces the new totals to every daemon in chunks that fit a NOTIFY
    /// payload (the `announced` CTE runs because the final SELECT joins it).
    /// Histories are locked in id order before any is changed, and buckets written in the
    /// same order, so two daemons flushing at once cannot deadlock.
    public func addViews(_ counts: [UUID: UInt64], hour: Int64) async throws -> [UUID: UInt64] {
        let skus = Array(counts.keys)
        let views = skus.map { Int64(clamping: counts[$0] ?? 0) }
        return try await self.run { client in
            let rows = try await client.query(
                """
                WITH locked AS (
                    SELECT h.id, c.n FROM view_histories h
                    JOIN unnest(\(skus)::uuid[], \(views)::bigint[]) AS c(sku, n) ON c.sku = h.sku
                    WHERE h.deleted_time IS NULL
                    ORDER BY h.id FOR UPDATE OF h
                ), flushed AS (
                    UPDATE view_histories h SET views = h.views + l.n FROM locked l WHERE h.id = l.id
                    RETURNING h.id, h.sku, h.views, l.n
                ), bucketed AS (
                    INSERT INTO view_buckets AS b (history_id, bucket_start, views)
                    SELECT id, \(hour), n FROM flushed ORDER BY id
                    ON CONFLICT (history_id, bucket_start) DO UPDATE SET views = b.views + excluded.views
                ), announced AS (
                    SELECT pg_notify(\(PostgresChangeFeed.viewsChannel), string_agg(sku::text || ' ' || views, ','))
                    FROM (SELECT sku, views, (row_number() OVER ()) / \(PostgresChangeFeed.viewsPerNotification) AS chunk
                          FROM flushed) totals
                    GROUP BY chunk
                )
                SELECT f.sku, f.views FROM flushed f, (SELECT count(*) FROM announced) forced
                """,
                logger: self.logger
            )
            var totals: [UUID: UInt64] = [:]
            for try await (sku, total) in rows.decode((UUID, Int64).self) {
                totals[sku] = UInt64(max(total, 0))
            }
            return totals
        }
    }

    /// Begins the view history of a new product, or takes up its last deleted namesake's;
    /// returns the views it starts with.
    private func beginViewHistory(
        of product: Product,
        continuing: Bool,
        on connection: PostgresConnection
    ) async throws -> UInt64 {
        if continuing {
            let rows = try await connection.query(
                """
                UPDATE view_histories SET deleted_time = NULL, name = \(product.name), brand = \(product.brand)
                WHERE id = (SELECT max(id) FROM view_histories WHERE sku = \(product.sku))
                RETURNING views
                """,
                logger: self.logger
            )
            for try await views in rows.decode(Int64.self) {
                return UInt64(max(views, 0))
            }
        }
        try await connection.query(
            """
            INSERT INTO view_histories (sku, name, brand, views)
            VALUES (\(product.sku), \(product.name), \(product.brand), 0)
            """,
            logger: self.logger
        )
        return 0
    }

    // MARK: Rows

    /// The product, locked until the transaction ends: concurrent writes of it wait.
    private func lockProduct(_ sku: UUID, on connection: PostgresConnection) async throws -> Product {
        let rows = try await connection.query(
            """
            SELECT p.sku, p.name, p.brand, p.price_cents, p.currency, p.version, p.create_time, p.update_time,
                COALESCE((SELECT v.views FROM view_histories v WHERE v.sku = p.sku AND v.deleted_time IS NULL), 0)
            FROM products p WHERE p.sku = \(sku) FOR NO KEY UPDATE
            """,
            logger: self.logger
        )
        guard let product = try await Self.products(rows).first else {
            throw DomainError(.notFound, "product \(sku.canonicalText) not found")
        }
        return product
    }

    private static func products(_ rows: PostgresRowSequence) async throws -> [Product] {
        var products: [Product] = []
        for try await row in rows.decode(ProductRow.self) {
            let (sku, name, brand, priceCents, currency, version, createTime, updateTime, views) = row
            products.append(
                Product(
                    sku: sku,
                    name: name,
                    brand: brand,
                    priceCents: priceCents,
                    currency: currency,
                    views: UInt64(max(views, 0)),
                    version: UInt64(max(version, 0)),
                    createTime: Timestamp.fromMicroseconds(createTime),
                    updateTime: Timestamp.fromMicroseconds(updateTime)
                )
            )
        }
        return products
    }
}
