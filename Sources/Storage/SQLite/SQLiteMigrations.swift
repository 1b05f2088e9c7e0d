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
        return migrator
    }
}
