import Logging
import PostgresNIO

/// The PostgreSQL schema, one migration per version; applied ones are never edited.
///
/// Times are microseconds since 1970 in `bigint` columns, as in SQLite: the precision the
/// Domain keeps, read back exactly.
enum PostgresMigrations {
    struct Migration {
        var version: Int
        var name: String
        /// Run in order; the extended query protocol takes one statement at a time.
        var statements: [String]
    }

    /// Any fixed number, so that every daemon and `catalogd migrate` take the same lock.
    static let advisoryLockKey: Int64 = 0x6361_7461_6C6F_6764  // "catalogd"

    /// How long the migrations may take, waiting for another daemon's included. Not the calls'
    /// `--database-timeout`: a migration rewrites whole tables (migration 5 rebuilds an index
    /// of every view bucket), which takes far longer than any call should, once, at an upgrade.
    static let timeout: Duration = .seconds(3600)

    static let all: [Migration] = [
        Migration(
            version: 1,
            name: "products",
            statements: [
                """
                CREATE TABLE products (
                    sku uuid PRIMARY KEY,
                    name text NOT NULL,
                    brand text NOT NULL,
                    price_cents bigint NOT NULL,
                    currency text NOT NULL,
                    version bigint NOT NULL,
                    create_time bigint NOT NULL,
                    update_time bigint NOT NULL
                )
                """,
                "CREATE INDEX products_brand_sku ON products (brand, sku)",
                // Views live apart so that a flush never rewrites product rows or their indexes.
                """
                CREATE TABLE product_views (
                    sku uuid PRIMARY KEY REFERENCES products (sku) ON DELETE CASCADE,
                    views bigint NOT NULL
                )
                """,
            ]
        ),
        Migration(
            version: 2,
            name: "admins and refresh tokens",
            statements: [
                // The lower-cased username: usernames are unique case-insensitively.
                """
                CREATE TABLE admins (
                    id uuid PRIMARY KEY,
                    username text NOT NULL,
                    username_key text NOT NULL UNIQUE,
                    email text NOT NULL,
                    is_superuser boolean NOT NULL,
                    password_hash text NOT NULL,
                    token_version bigint NOT NULL,
                    create_time bigint NOT NULL,
                    update_time bigint NOT NULL
                )
                """,
                // Only the SHA-256 digest of a refresh token is kept, never the token.
                // The admin's token version at issue: a password change since ends the token.
                """
                CREATE TABLE refresh_tokens (
                    digest text PRIMARY KEY,
                    admin_id uuid NOT NULL REFERENCES admins (id) ON DELETE CASCADE,
                    family_id uuid NOT NULL,
                    token_version bigint NOT NULL,
                    create_time bigint NOT NULL,
                    expire_time bigint NOT NULL,
                    revoke_time bigint
                )
                """,
                "CREATE INDEX refresh_tokens_family ON refresh_tokens (family_id)",
                "CREATE INDEX refresh_tokens_admin ON refresh_tokens (admin_id)",
                "CREATE INDEX refresh_tokens_revoked ON refresh_tokens (revoke_time) WHERE revoke_time IS NOT NULL",
            ]
        ),
        Migration(
            version: 3,
            name: "notification outbox",
            statements: [
                // One row per email: written in the transaction of the product change it reports.
                """
                CREATE TABLE notifications (
                    id uuid PRIMARY KEY,
                    recipient text NOT NULL,
                    subject text NOT NULL,
                    body text NOT NULL,
                    status text NOT NULL CHECK (status IN ('pending', 'sent', 'failed')),
                    attempts integer NOT NULL,
                    last_error text NOT NULL,
                    create_time bigint NOT NULL,
                    next_attempt_time bigint NOT NULL,
                    claimed_until bigint,
                    sent_time bigint
                )
                """,
                "CREATE INDEX notifications_due ON notifications (next_attempt_time) WHERE status = 'pending'",
                "CREATE INDEX notifications_newest ON notifications (create_time DESC, id DESC)",
            ]
        ),
        Migration(
            version: 4,
            name: "view histories and hourly buckets",
            statements: [
                // One per product, kept after it is deleted (deleted_time set, microseconds):
                // reports name deleted products by their last name and brand. views is the
                // lifetime total; the sum of the history's buckets always equals it.
                """
                CREATE TABLE view_histories (
                    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                    sku uuid NOT NULL,
                    name text NOT NULL,
                    brand text NOT NULL,
                    views bigint NOT NULL,
                    deleted_time bigint
                )
                """,
                "CREATE UNIQUE INDEX view_histories_live ON view_histories (sku) WHERE deleted_time IS NULL",
                "CREATE INDEX view_histories_sku ON view_histories (sku, id)",
                // Views by UTC hour (bucket_start in seconds since 1970); hours past the
                // retention are folded into the bucket of their day.
                """
                CREATE TABLE view_buckets (
                    history_id bigint NOT NULL REFERENCES view_histories (id),
                    bucket_start bigint NOT NULL,
                    views bigint NOT NULL,
                    PRIMARY KEY (history_id, bucket_start)
                )
                """,
                // Covers the reports over a window of every product (index-only scans).
                "CREATE INDEX view_buckets_time ON view_buckets (bucket_start) INCLUDE (history_id, views)",
                // Existing totals become histories, and their views before the upgrade one
                // bucket at the hour of the upgrade.
                """
                INSERT INTO view_histories (sku, name, brand, views)
                SELECT p.sku, p.name, p.brand, COALESCE(v.views, 0)
                FROM products p LEFT JOIN product_views v ON v.sku = p.sku ORDER BY p.sku
                """,
                """
                INSERT INTO view_buckets (history_id, bucket_start, views)
                SELECT id, floor(extract(epoch FROM now()) / 3600)::bigint * 3600, views
                FROM view_histories WHERE views > 0
                """,
                "DROP TABLE product_views",
            ]
        ),
        Migration(
            version: 5,
            name: "view buckets updated in place, and a bigint sum",
            statements: [
                // Without views in any index, a flush's update of an hour's bucket is a HOT
                // update: no new index entries, and the old version pruned from its page without
                // a vacuum (room kept on new pages by the fillfactor). With views in the index,
                // each whole-catalog flush added 100,000 entries to both indexes and made the
                // next report read past them (docs/PERFORMANCE.md). The reports read views from
                // the heap, whose pages hold a few hours each: flushes write in the order of time.
                "DROP INDEX view_buckets_time",
                "CREATE INDEX view_buckets_time ON view_buckets (bucket_start) INCLUDE (history_id)",
                "ALTER TABLE view_buckets SET (fillfactor = 70)",
                // sum(bigint) returns numeric, with a state allocated per group: summing a day of
                // 100,000 products by history took a fifth longer with it. int8pl keeps the state
                // a bigint, and raises an error rather than overflow.
                "CREATE AGGREGATE view_sum(bigint) (SFUNC = int8pl, STYPE = bigint)",
            ]
        ),
    ]

    /// Applies the migrations not applied yet, in one transaction under an advisory lock:
    /// daemons starting together wait for each other, and the second finds nothing to do.
    static func apply(to store: PostgresStore) async throws {
        let applied = try await store.transaction(timeout: Self.timeout) { connection in
            try await connection.query("SELECT pg_advisory_xact_lock(\(Self.advisoryLockKey))", logger: store.logger)
            try await connection.query(
                """
                CREATE TABLE IF NOT EXISTS schema_migrations (
                    version integer PRIMARY KEY,
                    name text NOT NULL,
                    applied_time timestamptz NOT NULL DEFAULT now()
                )
                """,
                logger: store.logger
            )
            let versions = try await connection.query("SELECT version FROM schema_migrations", logger: store.logger)
            let done = try await versions.decode(Int.self).array()
            var applied: [String] = []
            for migration in Self.all where !done.contains(migration.version) {
                for statement in migration.statements {
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: store.logger)
                }
                try await connection.query(
                    "INSERT INTO schema_migrations (version, name) VALUES (\(migration.version), \(migration.name))",
                    logger: store.logger
                )
                applied.append(migration.name)
            }
            return applied
        }
        if !applied.isEmpty {
            store.logger.info("database migrated", metadata: ["applied": "\(applied.joined(separator: ", "))"])
        }
    }
}
