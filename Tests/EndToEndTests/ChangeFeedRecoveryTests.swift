import Codec
import Foundation
import RPCClient
import TestSupport
import Testing

/// A change the feed announces while the database cannot answer the re-read still reaches the
/// cache: the daemon falls back to reloading until it can, instead of dropping the change.
@Suite(.enabled(if: PostgresTestDatabase.isEnabled, "needs PostgreSQL: run with make test"))
struct ChangeFeedRecoveryTests {
    @Test func aChangeWhoseReReadTimesOutIsAppliedOnceTheDatabaseAnswers() async throws {
        try await PostgresTestDatabase.withDatabase { url in
            try await withTemporaryDirectory { directory in
                // Short, so the re-read below times out; long enough for every other call, here
                // and at the daemon's start: 1 s on an idle machine, more on a busy one (six CPU
                // hogs once made a start's call miss 1 s).
                let slowest = try await PostgresTestDatabase.slowestTrivialQuery(url)
                let timeout = Duration.seconds(1) + slowest * 4
                let seconds = Double(timeout.components.seconds) + Double(timeout.components.attoseconds) / 1e18
                let daemon = try await DaemonProcess(
                    workingDirectory: directory,
                    arguments: ["--database-timeout", String(format: "%.3f", seconds)],
                    environment: ["CATALOG_DATABASE_URL": url]
                )
                let product = try await CatalogClient.withClient(daemon.clientConfiguration()) { client in
                    let tokens = try await client.login(username: "admin", password: try daemon.initialPassword)
                    client.setAccessToken(tokens.accessToken)
                    return try await client.createProduct(name: "Before", brand: "Acme", priceCents: 100)
                }

                // Another writer holds the products table while its change is announced: the
                // daemon's re-read waits past its deadline and fails. The writer's update
                // commits after the lock is released, three deadlines in.
                let writer = Task {
                    try await PostgresTestDatabase.query(
                        url,
                        """
                        BEGIN; LOCK TABLE products IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(\(String(format: "%.3f", seconds * 3)));
                        UPDATE products SET name = 'After' WHERE sku = '\(product.sku)'; COMMIT;
                        """
                    )
                }
                try await eventually("the writer to hold the table") {
                    try await PostgresTestDatabase.query(
                        url,
                        "SELECT count(*) FROM pg_locks WHERE relation = 'products'::regclass AND granted"
                    ) != "0"
                }
                let otherDaemon = UUID().uuidString.lowercased()
                _ = try await PostgresTestDatabase.query(
                    url,
                    "SELECT pg_notify('catalog_changes', '\(otherDaemon) product \(product.sku)')"
                )
                _ = try await writer.value

                try await CatalogClient.withClient(daemon.clientConfiguration()) { reader in
                    try await eventually("the daemon to serve the change", limit: .seconds(30)) {
                        try await reader.getProduct(sku: product.sku).name == "After"
                    }
                }
                #expect(try await daemon.terminate() == 0)
            }
        }
    }
}
