public import Domain
public import Foundation
import GRDB

extension SQLiteStore: ProductStore {
    private static let selectProducts = """
        SELECT p.sku, p.name, p.brand, p.price_cents, p.currency, p.version, p.create_time, p.update_time,
               COALESCE(v.views, 0) AS views
        FROM products p LEFT JOIN view_histories v ON v.sku = p.sku AND v.deleted_time IS NULL
        """

    /// SQLite allows 32766 bound parameters per statement; two per count (three per bucket).
    private static let maxCountsPerStatement = 10_000

    public func loadProducts(limit: Int) async throws -> [Product] {
        try await self.read { db in
            try Row.fetchAll(db, sql: "\(Self.selectProducts) ORDER BY p.sku LIMIT ?", arguments: [limit])
                .map(Self.product(from:))
        }
    }

    public func product(sku: UUID) async throws -> Product? {
        try await self.read { db in
            try Self.fetchProduct(db, sku: sku)
        }
    }

    public func listProducts(after: UUID?, brand: String?, limit: Int) async throws -> [Product] {
        try await self.read { db in
            var conditions: [String] = []
            var arguments: StatementArguments = []
            if let after {
                conditions.append("p.sku > ?")
                arguments += [after.canonicalText]
            }
            if let brand {
                conditions.append("p.brand = ?")
                arguments += [brand]
            }
            let filter = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
            arguments += [limit]
            return try Row.fetchAll(
                db,
                sql: "\(Self.selectProducts) \(filter) ORDER BY p.sku LIMIT ?",
                arguments: arguments
            ).map(Self.product(from:))
        }
    }

    @discardableResult
    public func insertProduct(
        _ product: Product,
        change: ProductChange,
        continueViewHistory: Bool
    ) async throws -> UInt64 {
        do {
            return try await self.write { db in
                try db.execute(
                    sql: """
                        INSERT INTO products (sku, name, brand, price_cents, currency, version, create_time, update_time)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: StatementArguments(Self.columns(of: product))
                )
                let views = try Self.beginViewHistory(of: product, continuing: continueViewHistory, in: db)
                try Self.enqueueNotifications(of: change, in: db, at: product.updateTime)
                return views
            }
        } catch let error as DatabaseError where error.extendedResultCode == .SQLITE_CONSTRAINT_PRIMARYKEY {
            throw DomainError(.alreadyExists, "product \(product.sku.canonicalText) already exists")
        }
    }

    public func updateProduct(
        sku: UUID,
        _ update: @escaping @Sendable (Product) throws -> ProductUpdate
    ) async throws -> Product {
        try await self.write { db in
            let current = try Self.requireProduct(db, sku: sku)
            let outcome = try update(current)
            guard let change = outcome.change else {
                return current
            }
            let updated = outcome.product
            try db.execute(
                sql: """
                    UPDATE products SET name = ?, brand = ?, price_cents = ?, currency = ?, version = ?,
                        create_time = ?, update_time = ?
                    WHERE sku = ?
                    """,
                arguments: StatementArguments(Array(Self.columns(of: updated).dropFirst()) + [sku.canonicalText])
            )
            try db.execute(
                sql: "UPDATE view_histories SET name = ?, brand = ? WHERE sku = ? AND deleted_time IS NULL",
                arguments: [updated.name, updated.brand, sku.canonicalText]
            )
            try Self.enqueueNotifications(of: change, in: db, at: updated.updateTime)
            return updated
        }
    }

    public func deleteProduct(
        sku: UUID,
        at now: Date,
        _ check: @escaping @Sendable (Product) throws -> ProductChange
    ) async throws -> Product {
        try await self.write { db in
            let current = try Self.requireProduct(db, sku: sku)
            let change = try check(current)
            try db.execute(sql: "DELETE FROM products WHERE sku = ?", arguments: [sku.canonicalText])
            try db.execute(
                sql: "UPDATE view_histories SET deleted_time = ? WHERE sku = ? AND deleted_time IS NULL",
                arguments: [Timestamp.microseconds(now), sku.canonicalText]
            )
            try Self.enqueueNotifications(of: change, in: db, at: now)
            return current
        }
    }

    public func addViews(_ counts: [UUID: UInt64], hour: Int64) async throws -> [UUID: UInt64] {
        let rows = Array(counts)
        return try await self.write { db in
            var totals: [UUID: UInt64] = [:]
            for start in stride(from: 0, to: rows.count, by: Self.maxCountsPerStatement) {
                let chunk = rows[start..<min(start + Self.maxCountsPerStatement, rows.count)]
                var counted: StatementArguments = []
                // The returned skus are matched back by their text: no UUID parsing per row.
                var skuOfText: [String: UUID] = [:]
                skuOfText.reserveCapacity(chunk.count)
                for (sku, views) in chunk {
                    let text = sku.canonicalText
                    skuOfText[text] = sku
                    counted += [text, Int64(clamping: views)]
                }
                // Additive, so any number of daemons may flush into one database; in one
                // transaction, so the buckets always sum to the totals. Counts for products
                // deleted meanwhile find no live history and are dropped.
                let updated = try Row.fetchAll(
                    db,
                    sql: """
                        UPDATE view_histories SET views = views + counted.column2
                        FROM (VALUES \(Self.placeholders(rows: chunk.count, columns: 2))) AS counted
                        WHERE view_histories.sku = counted.column1 AND view_histories.deleted_time IS NULL
                        RETURNING id, sku, views
                        """,
                    arguments: counted
                )
                // The buckets by the ids the update returned: no second lookup of each sku.
                var bucketed: StatementArguments = []
                for row in updated {
                    guard let sku = skuOfText[row["sku"]] else {
                        throw StorageError.corruptRow("view_histories.sku is not one flushed")
                    }
                    totals[sku] = UInt64(max(row["views"] as Int64, 0))
                    bucketed += [row["id"] as Int64, hour, Int64(clamping: counts[sku] ?? 0)]
                }
                guard !updated.isEmpty else { continue }
                try db.execute(
                    sql: """
                        INSERT INTO view_buckets (history_id, bucket_start, views)
                        VALUES \(Self.placeholders(rows: updated.count, columns: 3))
                        ON CONFLICT (history_id, bucket_start) DO UPDATE SET views = views + excluded.views
                        """,
                    arguments: bucketed
                )
            }
            return totals
        }
    }

    /// `(?, ?), (?, ?), ...`: `rows` rows of `columns` parameters.
    private static func placeholders(rows: Int, columns: Int) -> String {
        let row = "(" + Array(repeating: "?", count: columns).joined(separator: ", ") + ")"
        return Array(repeating: row, count: rows).joined(separator: ", ")
    }

    public func isReachable() async -> Bool {
        (try? await self.read { db in try Int.fetchOne(db, sql: "SELECT 1") }) == 1
    }

    // MARK: Rows

    private static func fetchProduct(_ db: Database, sku: UUID) throws -> Product? {
        try Row.fetchOne(db, sql: "\(self.selectProducts) WHERE p.sku = ?", arguments: [sku.canonicalText])
            .map(self.product(from:))
    }

    /// Begins the view history of a new product, or takes up its last deleted namesake's;
    /// returns the views it starts with.
    private static func beginViewHistory(of product: Product, continuing: Bool, in db: Database) throws -> UInt64 {
        if continuing,
            let views = try Int64.fetchOne(
                db,
                sql: """
                    UPDATE view_histories SET deleted_time = NULL, name = ?, brand = ?
                    WHERE id = (SELECT max(id) FROM view_histories WHERE sku = ?)
                    RETURNING views
                    """,
                arguments: [product.name, product.brand, product.sku.canonicalText]
            )
        {
            return UInt64(max(views, 0))
        }
        try db.execute(
            sql: "INSERT INTO view_histories (sku, name, brand, views) VALUES (?, ?, ?, 0)",
            arguments: [product.sku.canonicalText, product.name, product.brand]
        )
        return 0
    }

    private static func requireProduct(_ db: Database, sku: UUID) throws -> Product {
        guard let product = try self.fetchProduct(db, sku: sku) else {
            throw DomainError(.notFound, "product \(sku.canonicalText) not found")
        }
        return product
    }

    /// The products row of `product`, in table order.
    private static func columns(of product: Product) -> [any DatabaseValueConvertible] {
        [
            product.sku.canonicalText, product.name, product.brand, product.priceCents, product.currency,
            Int64(product.version), Timestamp.microseconds(product.createTime),
            Timestamp.microseconds(product.updateTime),
        ]
    }

    private static func product(from row: Row) throws -> Product {
        let skuText: String = row["sku"]
        guard let sku = UUID(uuidString: skuText) else {
            throw StorageError.corruptRow("products.sku is not a UUID")
        }
        let version: Int64 = row["version"]
        let views: Int64 = row["views"]
        return Product(
            sku: sku,
            name: row["name"],
            brand: row["brand"],
            priceCents: row["price_cents"],
            currency: row["currency"],
            views: UInt64(max(views, 0)),
            version: UInt64(max(version, 0)),
            createTime: Timestamp.fromMicroseconds(row["create_time"]),
            updateTime: Timestamp.fromMicroseconds(row["update_time"])
        )
    }
}
