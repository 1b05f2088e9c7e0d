import Domain
import Foundation
import GRDB
import TestSupport
import Testing

@testable import Storage

/// Upgrading a database of the last release (schema 3, lifetime totals only) to view
/// histories: every total is kept, and lands in one bucket at the hour of the upgrade.
@Suite struct ViewHistoryMigrationTests {
    private static let sku = UUID()
    private static let unviewed = UUID()

    private static func productRows(_ quote: (UUID) -> String) -> String {
        """
        INSERT INTO products (sku, name, brand, price_cents, currency, version, create_time, update_time)
        VALUES (\(quote(Self.sku)), 'Lamp', 'Acme', 100, 'MXN', 1, 0, 0),
               (\(quote(Self.unviewed)), 'Desk', 'Acme', 100, 'MXN', 1, 0, 0);
        INSERT INTO product_views (sku, views) VALUES (\(quote(Self.sku)), 41);
        """
    }

    @Test func sqliteKeepsTotalsInOneBucketAtTheUpgrade() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory + "/catalog.sqlite"
            let queue = try DatabaseQueue(path: path)
            try SQLiteMigrations.migrator.migrate(queue, upTo: "v3 notification outbox")
            try await queue.write { db in
                try db.execute(sql: Self.productRows { "'\($0.canonicalText)'" })
            }
            try queue.close()

            let before = Int64(Date().timeIntervalSince1970)
            let store = try SQLiteStore(path: path)
            defer { try? store.close() }
            try await self.expectUpgraded(store, between: before, and: Int64(Date().timeIntervalSince1970))
        }
    }

    @Test(.enabled(if: PostgresTestDatabase.isEnabled))
    func postgresKeepsTotalsInOneBucketAtTheUpgrade() async throws {
        try await PostgresTestDatabase.withDatabase { url in
            var script = """
                CREATE TABLE schema_migrations (
                    version integer PRIMARY KEY, name text NOT NULL, applied_time timestamptz NOT NULL DEFAULT now()
                );
                """
            for migration in PostgresMigrations.all.prefix(3) {
                script += migration.statements.joined(separator: ";\n") + ";\n"
                script +=
                    "INSERT INTO schema_migrations (version, name) VALUES (\(migration.version), '\(migration.name)');\n"
            }
            script += Self.productRows { "'\($0.canonicalText)'" }
            _ = try await PostgresTestDatabase.query(url, script)

            let before = Int64(Date().timeIntervalSince1970)
            try await PostgresStore.withStore(url: try PostgresURL(url), options: .forTests, logger: .quiet) { store in
                try await self.expectUpgraded(store, between: before, and: Int64(Date().timeIntervalSince1970))
            }
        }
    }

    private func expectUpgraded(_ store: any CatalogStore, between before: Int64, and after: Int64) async throws {
        #expect(try await store.product(sku: Self.sku)?.views == 41)
        #expect(try await store.product(sku: Self.unviewed)?.views == 0)
        let history = try #require(try await store.viewBuckets(sku: Self.sku, from: 0, to: .max))
        #expect(history.totalViews == 41 && history.name == "Lamp" && !history.deleted)
        let hours =
            ViewGranularity.hour.bucketStart(containing: before)...ViewGranularity.hour.bucketStart(containing: after)
        #expect(history.buckets.count == 1)
        #expect(history.buckets.values.first == 41)
        #expect(history.buckets.keys.allSatisfy(hours.contains), "the bucket is the hour of the upgrade")
        #expect(try await store.viewBuckets(sku: Self.unviewed, from: 0, to: .max)?.buckets == [:])
        // The upgraded database counts on as a new one does.
        #expect(try await store.addViews([Self.sku: 1], hour: 0) == [Self.sku: 42])
    }
}
