import Foundation
import TestSupport
import Testing

/// `catalogd` subcommands against a real PostgreSQL.
@Suite(.enabled(if: PostgresTestDatabase.isEnabled, "needs PostgreSQL: run with make test"))
struct PostgresCommandTests {
    @Test func migrateAppliesTheSchemaOnceAndAgainIsANoOp() async throws {
        try await PostgresTestDatabase.withDatabase { url in
            try await withTemporaryDirectory { directory in
                for _ in 0..<2 {
                    let run = try await runCatalogd(
                        ["migrate", "--database", url, "--database-timeout", "60"],
                        in: directory
                    )
                    #expect(run.status == 0, "\(run.output)")
                    #expect(run.output.contains("migrations applied"))
                }
                #expect(try await PostgresTestDatabase.query(url, "SELECT count(*) FROM schema_migrations") == "5")
            }
        }
    }

    /// A daemon that starts while another migrates waits for it, however short its
    /// `--database-timeout`: migrations are bounded apart from the calls (an index rebuild of
    /// a large table takes minutes, once).
    @Test func migrationsWaitLongerThanTheDatabaseTimeout() async throws {
        try await PostgresTestDatabase.withDatabase { url in
            try await withTemporaryDirectory { directory in
                // Another daemon's migration, as the lock it holds (PostgresMigrations.advisoryLockKey),
                // for long enough that a busy machine still sees it held and starts the migration
                // while it is.
                let migrating = Task {
                    try await PostgresTestDatabase.query(
                        url,
                        "SELECT pg_advisory_lock(\(0x6361_7461_6C6F_6764)); SELECT pg_sleep(15)"
                    )
                }
                try await eventually("the other migration to hold its lock", limit: .seconds(60)) {
                    try await PostgresTestDatabase.query(
                        url,
                        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'"
                    )
                        != "0"
                }
                let started = ContinuousClock.now
                let run = try await runCatalogd(
                    ["migrate", "--database", url, "--database-timeout", "1"],
                    in: directory
                )
                #expect(run.status == 0, "\(run.output)")
                #expect(ContinuousClock.now - started > .seconds(1), "it waited for the lock")
                _ = try await migrating.value
            }
        }
    }

    @Test func aDatabaseThatCannotBeReachedFailsTheStartClearlyWithoutThePassword() async throws {
        let cluster = try #require(PostgresTestDatabase.clusterURL)
        let base = String(cluster[...cluster.lastIndex(of: "/")!])
            .replacingOccurrences(of: "postgres@", with: "postgres:hunter2@")
        try await withTemporaryDirectory { directory in
            let run = try await runCatalogd(
                ["serve", "--listen", "127.0.0.1:0", "--database-timeout", "60"],
                in: directory,
                environment: ["CATALOG_DATABASE_URL": base + "no_such_database"]
            )
            #expect(run.status != 0)
            #expect(run.output.contains("database \"no_such_database\" does not exist"), "\(run.output)")
            #expect(!run.output.contains("hunter2"))
        }
    }
}
