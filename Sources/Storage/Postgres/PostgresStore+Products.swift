import Domain
import Foundation
import PostgresNIO

extension PostgresStore: ProductStore {
    private typealias ProductRow = (UUID, String, String, Int64, String, Int64, Int64, Int64, Int64)

    private static let selectProducts = """
        SELECT p.sku, p.name, p.brand, p.price_cents, p.currency, p.version, p.create_time, p.update_time,
               COALESCE(v.views, 0)
        FROM products p LEFT JOIN product_views v ON v.sku = p.sku
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

    public func insertProduct(_ product: Product, change: ProductChange) async throws {
        do {
            try await self.transaction { connection in
                try await connection.query(
                    """
                    INSERT INTO products (sku, name, brand, price_cents, currency, version, create_time, update_time)
                    VALUES (\(product.sku), \(product.name), \(product.brand), \(product.priceCents),
                        \(product.currency), \(Int64(product.version)), \(Timestamp.microseconds(product.createTime)),
                        \(Timestamp.microseconds(product.updateTime)))
                    """,
                    logger: self.logger
                )
                try await self.enqueueNotifications(of: change, on: connection, at: product.updateTime)
                try await self.announce(.product(product.sku), on: connection)
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
            try await self.enqueueNotifications(of: change, on: connection, at: updated.updateTime)
            try await self.announce(.product(sku), on: connection)
            return updated
        }
    }

    public func deleteProduct(
        sku: UUID,
        _ check: @escaping @Sendable (Product) throws -> ProductChange
    ) async throws -> Product {
        try await self.transaction { connection in
            let current = try await self.lockProduct(sku, on: connection)
            let change = try check(current)
            try await connection.query("DELETE FROM products WHERE sku = \(sku)", logger: self.logger)
            try await self.enqueueNotifications(of: change, on: connection, at: Timestamp.now())
            try await self.announce(.product(sku), on: connection)
            return current
        }
    }

    /// One statement, whatever the number of products: adds the counts (additively, so any
    /// number of daemons may flush into one database), skips products deleted meanwhile, and
    /// announces the new totals to every daemon in chunks that fit a NOTIFY payload (the
    /// `announced` CTE runs because the final SELECT joins it).
    /// Rows are locked in sku order, so two daemons flushing at once cannot deadlock. A failed
    /// flush changes nothing: the statement is its own transaction.
    public func addViews(_ counts: [UUID: UInt64]) async throws -> [UUID: UInt64] {
        let sorted = counts.sorted { $0.key.uuidString < $1.key.uuidString }
        let skus = sorted.map(\.key)
        let views = sorted.map { Int64(clamping: $0.value) }
        return try await self.run { client in
            let rows = try await client.query(
                """
                WITH counted AS (
                    SELECT c.sku, c.n FROM unnest(\(skus)::uuid[], \(views)::bigint[]) WITH ORDINALITY AS c(sku, n, i)
                    WHERE EXISTS (SELECT 1 FROM products p WHERE p.sku = c.sku)
                    ORDER BY c.i
                ), flushed AS (
                    INSERT INTO product_views AS v (sku, views) SELECT sku, n FROM counted
                    ON CONFLICT (sku) DO UPDATE SET views = v.views + excluded.views
                    RETURNING v.sku, v.views
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

    // MARK: Rows

    /// The product, locked until the transaction ends: concurrent writes of it wait.
    /// `FOR NO KEY UPDATE` still lets view flushes check the foreign key.
    private func lockProduct(_ sku: UUID, on connection: PostgresConnection) async throws -> Product {
        let rows = try await connection.query(
            """
            SELECT p.sku, p.name, p.brand, p.price_cents, p.currency, p.version, p.create_time, p.update_time,
                COALESCE((SELECT v.views FROM product_views v WHERE v.sku = p.sku), 0)
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
