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
        migrator.registerMigration("v2 admins and refresh tokens") { db in
            try db.execute(
                sql: """
                    CREATE TABLE admins (
                        id TEXT PRIMARY KEY NOT NULL,
                        username TEXT NOT NULL,
                        -- The lower-cased username: usernames are unique case-insensitively.
                        username_key TEXT NOT NULL UNIQUE,
                        email TEXT NOT NULL,
                        is_superuser INTEGER NOT NULL,
                        password_hash TEXT NOT NULL,
                        token_version INTEGER NOT NULL,
                        create_time INTEGER NOT NULL,
                        update_time INTEGER NOT NULL
                    ) WITHOUT ROWID;
                    -- Only the SHA-256 digest of a refresh token is kept, never the token.
                    CREATE TABLE refresh_tokens (
                        digest TEXT PRIMARY KEY NOT NULL,
                        admin_id TEXT NOT NULL REFERENCES admins (id) ON DELETE CASCADE,
                        family_id TEXT NOT NULL,
                        -- The admin's token version at issue: a password change since ends the token.
                        token_version INTEGER NOT NULL,
                        create_time INTEGER NOT NULL,
                        expire_time INTEGER NOT NULL,
                        revoke_time INTEGER
                    ) WITHOUT ROWID;
                    CREATE INDEX refresh_tokens_family ON refresh_tokens (family_id);
                    CREATE INDEX refresh_tokens_admin ON refresh_tokens (admin_id);
                    """
            )
        }
        migrator.registerMigration("v3 notification outbox") { db in
            try db.execute(
                sql: """
                    -- One row per email: written in the transaction of the product change it reports.
                    CREATE TABLE notifications (
                        id TEXT PRIMARY KEY NOT NULL,
                        recipient TEXT NOT NULL,
                        subject TEXT NOT NULL,
                        body TEXT NOT NULL,
                        status TEXT NOT NULL,
                        attempts INTEGER NOT NULL,
                        last_error TEXT NOT NULL,
                        create_time INTEGER NOT NULL,
                        next_attempt_time INTEGER NOT NULL,
                        claimed_until INTEGER,
                        sent_time INTEGER
                    ) WITHOUT ROWID;
                    CREATE INDEX notifications_due ON notifications (status, next_attempt_time);
                    CREATE INDEX notifications_newest ON notifications (create_time DESC, id DESC);
                    """
            )
        }
        migrator.registerMigration("v4 view histories and hourly buckets") { db in
            try db.execute(
                sql: """
                    -- One per product, kept after it is deleted (deleted_time set, microseconds):
                    -- reports name deleted products by their last name and brand. views is the
                    -- lifetime total; the sum of the history's buckets always equals it.
                    CREATE TABLE view_histories (
                        id INTEGER PRIMARY KEY,
                        sku TEXT NOT NULL,
                        name TEXT NOT NULL,
                        brand TEXT NOT NULL,
                        views INTEGER NOT NULL,
                        deleted_time INTEGER
                    );
                    CREATE UNIQUE INDEX view_histories_live ON view_histories (sku) WHERE deleted_time IS NULL;
                    CREATE INDEX view_histories_sku ON view_histories (sku, id);
                    -- Views by UTC hour (bucket_start in seconds since 1970); hours past the
                    -- retention are folded into the bucket of their day.
                    CREATE TABLE view_buckets (
                        history_id INTEGER NOT NULL REFERENCES view_histories (id),
                        bucket_start INTEGER NOT NULL,
                        views INTEGER NOT NULL,
                        PRIMARY KEY (history_id, bucket_start)
                    ) WITHOUT ROWID;
                    -- Covers the reports over a window of every product.
                    CREATE INDEX view_buckets_time ON view_buckets (bucket_start, history_id, views);
                    -- Existing totals become histories, and their views before the upgrade one
                    -- bucket at the hour of the upgrade.
                    INSERT INTO view_histories (sku, name, brand, views)
                    SELECT p.sku, p.name, p.brand, COALESCE(v.views, 0)
                    FROM products p LEFT JOIN product_views v ON v.sku = p.sku ORDER BY p.sku;
                    INSERT INTO view_buckets (history_id, bucket_start, views)
                    SELECT id, CAST(strftime('%s', 'now') AS INTEGER) / 3600 * 3600, views
                    FROM view_histories WHERE views > 0;
                    DROP TABLE product_views;
                    """
            )
        }
        return migrator
    }
}
