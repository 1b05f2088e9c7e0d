import Codec
import Foundation
import RPCClient
import TestSupport
import Testing

/// Issue 12: SIGTERM with a call that never finishes. The daemon answers it UNAVAILABLE at the
/// drain timeout, exits soon after, and still flushes every counted view on its way out.
@Suite(.enabled(if: PostgresTestDatabase.isEnabled, "needs PostgreSQL: run with make test"))
struct StuckCallShutdownTests {
    @Test func aCallStuckOnALockIsAnsweredUnavailableAndTheViewsAreFlushed() async throws {
        try await PostgresTestDatabase.withDatabase { url in
            try await withTemporaryDirectory { directory in
                // Views are flushed only at shutdown (the interval is longer than the test), and the
                // stuck call would wait a minute for the database.
                let daemon = try await DaemonProcess(
                    workingDirectory: directory,
                    arguments: [
                        "--database-timeout", "60", "--drain-timeout", "4", "--view-flush-interval", "600",
                        "--metrics-listen", "127.0.0.1:0",
                    ],
                    environment: ["CATALOG_DATABASE_URL": url]
                )
                let (admin, sku) = try await Self.adminWithProduct(daemon)
                try await CatalogClient.withClient(daemon.clientConfiguration()) { reader in
                    for _ in 0..<5 {
                        _ = try await reader.getProduct(sku: sku)
                    }
                }

                // Another session holds the product's row; an update of it waits for the lock.
                // (The view flush writes only view_histories and view_buckets: it never waits for it.)
                let locker = try Self.holdRowLock(url: url, sku: sku)
                defer { locker.terminate() }
                try await eventually("the row lock to be held") {
                    // pg_locks and pg_stat_activity span the cluster, which other tests share.
                    try await PostgresTestDatabase.query(
                        url,
                        """
                        SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
                        WHERE c.relname = 'products' AND l.mode = 'RowShareLock'
                        AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
                        """
                    ) != "0"
                }
                let stuck = Task {
                    try await admin.updateProduct(sku: sku, priceCents: 2, timeout: .seconds(3600))
                }
                try await eventually("the update to wait for the lock") {
                    try await PostgresTestDatabase.query(
                        url,
                        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
                    ) != "0"
                }

                #expect(try await daemon.probe("/readyz") == 200)
                let started = ContinuousClock.now
                daemon.beginTermination()
                // Through the drain, the probes say so: the metrics listener stops after the server.
                try await eventually("/readyz to answer 503 in the drain") {
                    try await daemon.probe("/readyz") == 503
                }
                #expect(try await daemon.probe("/healthz") == 503)
                #expect(try await daemon.exit() == 0)
                let exited = ContinuousClock.now - started
                // The server ends the call at the 4 s drain timeout (long enough for the probes above
                // to see the drain on a busy machine) and stops; the worker, the last view flush, the
                // change feed and the pool (whose connection still runs the stuck statement: its TLS
                // close does not wait for the busy server) stop within a second on an idle machine. On
                // a busy one each of those steps waits for a core: the bound grows by five times the
                // slowest of three trivial queries right after, as LoginFloodTests does (a few
                // milliseconds idle).
                let slowest = try await PostgresTestDatabase.slowestTrivialQuery(url)
                #expect(exited < .seconds(4 + 5) + slowest * 5, "exits within drain timeout + 5 s")
                let outcome = await stuck.result
                guard case .failure(let error) = outcome, let status = error as? RPCStatus else {
                    Issue.record("the stuck call is answered with a status, not \(outcome)")
                    return
                }
                #expect(status.code == .unavailable)
                #expect(
                    try await PostgresTestDatabase.query(url, "SELECT views FROM view_histories WHERE sku = '\(sku)'")
                        == "5",
                    "every counted view flushed at shutdown"
                )
                await admin.close()
            }
        }
    }

    /// A logged-in client and a product it created. The client stays open: the stuck call uses it.
    private static func adminWithProduct(_ daemon: DaemonProcess) async throws -> (CatalogClient, String) {
        let admin = try await CatalogClient.connect(daemon.clientConfiguration())
        admin.setAccessToken(try await admin.login(username: "admin", password: try daemon.initialPassword).accessToken)
        let sku = try await admin.createProduct(name: "Lamp", brand: "Acme", priceCents: 1).sku
        return (admin, sku)
    }

    /// psql, holding a lock on the product's row in an open transaction until terminated.
    private static func holdRowLock(url: String, sku: String) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/psql")
        process.arguments = [
            url, "-Xq", "-c",
            "BEGIN; SELECT 1 FROM products WHERE sku = '\(sku)' FOR NO KEY UPDATE; SELECT pg_sleep(600);",
        ]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }
}
