import GRDB

/// The SQLite schema, one registered migration per version; applied ones are never edited.
enum SQLiteMigrations {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1 products") { db in
            // Times are microseconds since 1970, the precision Domain keeps.
            try db.execute(
                sql: """
                    CREATE TABLE products (
                        sku TEXT PRIMARY KEY NOT NULL,
                        name TEXT NOT NULL,
                        brand TEXT NOT NULL,
                        price_cents INTEGER NOT NULL,
                        currency TEXT NOT NULL,
                        version INTEGER NOT NULL,
                        create_time INTEGER NOT NULL,
                        update_time INTEGER NOT NULL
                    ) WITHOUT ROWID;
                    CREATE INDEX products_brand_sku ON products (brand, sku);
                    -- Views live apart so that a flush never rewrites product rows or their indexes.
                    CREATE TABLE product_views (
                        sku TEXT PRIMARY KEY NOT NULL REFERENCES products (sku) ON DELETE CASCADE,
                        views INTEGER NOT NULL
                    ) WITHOUT ROWID;
                    """
            )
        }
        return migrator
    }
}
