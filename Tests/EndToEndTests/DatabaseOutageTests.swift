import Codec
import Foundation
import RPCClient
import Synchronization
import TestSupport
import Testing

/// A daemon whose PostgreSQL stops under load and starts again (a cluster of the test's own).
@Suite(.enabled(if: PostgresTestDatabase.isEnabled, "needs PostgreSQL: run with make test"))
struct DatabaseOutageTests {
    /// What the load saw: acknowledged creates and anonymous reads.
    private final class LoadRecord: Sendable {
        let acknowledgedSkus = Mutex<[String]>([])
        let reads = Atomic(0)
        let unexpected = Mutex<[String]>([])
        let stop = Atomic(false)

        var acknowledged: Int { self.acknowledgedSkus.withLock { $0.count } }
    }

    @Test func noAcknowledgedWriteOrCountedViewIsLostAndNoRestartIsNeeded() async throws {
        try await PostgresTestCluster.withCluster { cluster in
            try await PostgresTestDatabase.withDatabase(in: cluster.url) { url in
                try await withTemporaryDirectory { directory in
                    let daemon = try await DaemonProcess(
                        workingDirectory: directory,
                        arguments: [
                            "--view-flush-interval", "0.2", "--database-timeout", "10", "--metrics-listen",
                            "127.0.0.1:0",
                        ],
                        environment: ["CATALOG_DATABASE_URL": url]
                    )
                    try await CatalogClient.withClient(daemon.clientConfiguration()) { admin in
                        let tokens = try await admin.login(username: "admin", password: try daemon.initialPassword)
                        admin.setAccessToken(tokens.accessToken)
                        let product = try await admin.createProduct(name: "Lamp", brand: "Acme", priceCents: 100)
                        try await CatalogClient.withClient(daemon.clientConfiguration()) { reader in
                            let record = LoadRecord()
                            try await withThrowingTaskGroup(of: Void.self) { load in
                                load.addTask { await Self.write(through: admin, into: record) }
                                load.addTask { await Self.read(product.sku, through: reader, into: record) }
                                defer { record.stop.store(true, ordering: .relaxed) }
                                try await self.stopAndRestart(cluster, under: record, daemon: daemon, admin: admin)
                            }
                            // (Whether the load's own writes met the outage depends on timing: one write can
                            // wait out the whole outage within the 10 s database timeout. The write made
                            // during it, above, is what shows they are refused.)
                            #expect(record.unexpected.withLock { $0 }.isEmpty)

                            // Every counted view reaches the database once it is back. Generous: each
                            // look runs psql, and beside six CPU hogs and every other suite 10 s of
                            // looks once ran out; a view lost stays lost however long this waits.
                            let reads = record.reads.load(ordering: .relaxed)
                            try await eventually(
                                "the views counted during the outage to be flushed",
                                limit: .seconds(60)
                            ) {
                                try await PostgresTestDatabase.query(url, "SELECT sum(views) FROM view_histories")
                                    == "\(reads)"
                            }
                            // Every acknowledged create is in the database.
                            let skus = record.acknowledgedSkus.withLock { $0 }
                            let stored = try await PostgresTestDatabase.query(
                                url,
                                "SELECT count(*) FROM products WHERE sku::text IN ('\(skus.joined(separator: "','"))')"
                            )
                            #expect(stored == "\(skus.count)")
                        }
                    }
                    #expect(try await daemon.terminate() == 0)
                }
            }
        }
    }

    private func stopAndRestart(
        _ cluster: PostgresTestCluster,
        under record: LoadRecord,
        daemon: DaemonProcess,
        admin: CatalogClient
    ) async throws {
        do {
            // Generous: under six CPU hogs and every other suite, five creates can take seconds.
            try await eventually("the load to start", limit: .seconds(60)) {
                record.acknowledged >= 5 && record.reads.load(ordering: .relaxed) >= 50
            }
        } catch {
            Issue.record(
                "load: \(record.acknowledged) writes, \(record.reads.load(ordering: .relaxed)) reads, unexpected: \(record.unexpected.withLock { $0 })"
            )
            throw error
        }
        try await cluster.stop()

        try await CatalogClient.withClient(daemon.clientConfiguration()) { probe in
            try await eventually("Health to say NOT_SERVING", limit: .seconds(30)) {
                try await probe.health() == .notServing
            }
        }
        // The HTTP probes agree: not healthy, yet ready (no drain: cached reads go on).
        #expect(try await daemon.probe("/healthz") == 503)
        #expect(try await daemon.probe("/readyz") == 200)
        // The store knows the database is down: a write answers UNAVAILABLE at once, not after
        // the daemon's 10 s database timeout (at once is milliseconds on an idle machine, and
        // took 5.7 s beside six CPU hogs and every other suite; waiting out the timeout would
        // take 10 s or more).
        let clock = ContinuousClock()
        let started = clock.now
        let refused = await #expect(throws: RPCStatus.self) {
            _ = try await admin.createProduct(name: "During", brand: "Acme", priceCents: 1)
        }
        #expect(refused?.code == .unavailable)
        #expect(clock.now - started < .seconds(9))
        // Cached reads go on.
        let readsAtOutage = record.reads.load(ordering: .relaxed)
        // 50 more reads within 30 s: they go on (a busy machine with every suite beside it once
        // took longer than 10 s for them; an answer from the database could not come at all).
        try await eventually("cached reads to go on", limit: .seconds(30)) {
            record.reads.load(ordering: .relaxed) >= readsAtOutage + 50
        }

        let acknowledgedBeforeRestart = record.acknowledged
        try await cluster.start()
        try await CatalogClient.withClient(daemon.clientConfiguration()) { probe in
            try await eventually("Health to say SERVING again", limit: .seconds(30)) {
                try await probe.health() == .serving
            }
        }
        #expect(try await daemon.probe("/healthz") == 200)
        try await eventually("writes to succeed again", limit: .seconds(30)) {
            record.acknowledged >= acknowledgedBeforeRestart + 5
        }
        try await self.checkMetrics(daemon, acknowledged: record.acknowledged)
    }

    /// What an operator's Prometheus saw of the outage: the database calls refused or unanswered,
    /// and the change feed's reload after it reconnected.
    private func checkMetrics(_ daemon: DaemonProcess, acknowledged: Int) async throws {
        guard PythonGRPCClient.isEnabled else { return }
        let address = try #require(daemon.metricsAddress)
        let calls = "catalog_database_call_duration_seconds_count"
        // At start, and again once the feed's connection is back (retried every second).
        try await eventually("the change feed to reload after reconnecting", limit: .seconds(60)) {
            try await PrometheusScrape(address: address).count("catalog_change_feed_changes_total", ["kind": "resync"])
                >= 2
        }
        let scrape = try await PrometheusScrape(address: address)
        #expect(Int(scrape.sum(calls, ["operation": "insertProduct", "outcome": "ok"])) >= acknowledged)
        #expect(scrape.sum(calls, ["outcome": "refused"]) + scrape.sum(calls, ["outcome": "unavailable"]) >= 1)
        #expect(try scrape.count("catalog_database_connection_wait_seconds_count") >= acknowledged)
        #expect(try scrape.count("catalog_serving") == 1)
    }

    /// Creates products until told to stop, recording each acknowledged one.
    private static func write(through admin: CatalogClient, into record: LoadRecord) async {
        var index = 0
        while !record.stop.load(ordering: .relaxed) {
            index += 1
            do {
                let product = try await admin.createProduct(name: "P\(index)", brand: "Load", priceCents: 1)
                record.acknowledgedSkus.withLock { $0.append(product.sku) }
            } catch let status as RPCStatus where status.code == .unavailable {
                // Refused at once while the database is down: pace the retries, as a client would.
                try? await Task.sleep(for: .milliseconds(10))
            } catch {
                record.unexpected.withLock { $0.append("write: \(error)") }
            }
        }
    }

    /// Reads the product anonymously until told to stop; each success is a counted view.
    private static func read(_ sku: String, through reader: CatalogClient, into record: LoadRecord) async {
        while !record.stop.load(ordering: .relaxed) {
            do {
                _ = try await reader.getProduct(sku: sku)
                record.reads.add(1, ordering: .relaxed)
            } catch {
                record.unexpected.withLock { $0.append("read: \(error)") }
                return
            }
        }
    }
}
