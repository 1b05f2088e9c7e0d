import Codec
import Foundation
import NIOCore
import NIOPosix
import RPCClient
import TestSupport
import Testing

/// Issue 15: what an operator's Prometheus scrapes after a known workload, read by Prometheus'
/// own parser, counter by counter.
@Suite(.enabled(if: PythonGRPCClient.isEnabled, "needs prometheus_client: run with make test"))
struct MetricsEndToEndTests {
    private static let reads = 25
    private static let misses = 2
    private static let failedLogins = 4
    private static let writes = 3
    private static let grpcReads = 3

    @Test func aKnownWorkloadShowsInExactCountersAndHistograms() async throws {
        try await withTemporaryDirectory { directory in
            // No mail server behind this port until the outage ends.
            let reservation = try PortReservation()
            let smtpPort = reservation.port
            let daemon = try await DaemonProcess(
                workingDirectory: directory,
                arguments: [
                    "--metrics-listen", "127.0.0.1:0",
                    "--smtp-url", "smtp://127.0.0.1:\(smtpPort)", "--smtp-starttls", "off",
                    // Retried often, and never given up on: however long a busy machine takes to
                    // get to the recovery, every email is still pending then.
                    "--notify-retry-initial", "0.2", "--notify-retry-max", "1", "--notify-max-attempts", "100000",
                ]
            )
            let metrics = try #require(daemon.metricsAddress)
            try await CatalogClient.withClient(daemon.clientConfiguration()) { admin in
                let sku = try await Self.write(through: admin, daemon: daemon)
                try await Self.read(sku, daemon: daemon)
                _ = try await PythonGRPCClient(daemon: daemon).run(
                    "read",
                    "--sku",
                    sku,
                    "--count",
                    "\(Self.grpcReads)",
                    "--concurrency",
                    "1"
                )
                // One connection to each listener that speaks HTTP where TLS is expected.
                try await Self.failTLSHandshake(port: daemon.port)
                try await Self.failTLSHandshake(port: try await daemon.grpcPort())

                // The outage: every email fails at least once, then the mail server comes up.
                try await eventually("a delivery to fail", limit: .seconds(60)) {
                    try await admin.listNotifications(status: .pending).notifications.contains { $0.attempts > 0 }
                }
                reservation.release()
                let smtp = try await SMTPTestServer(port: smtpPort)
                _ = try await smtp.waitForMessages(Self.writes, limit: .seconds(60))
                // Each email is marked sent right after its send: wait for the marks.
                try await eventually("every email to be marked sent", limit: .seconds(60)) {
                    try await admin.listNotifications(status: .sent).notifications.count == Self.writes
                }
                let sent = try await admin.listNotifications(status: .sent).notifications
                let retries = sent.reduce(0) { $0 + Int($1.attempts) - 1 }

                let scrape = try await PrometheusScrape(address: metrics)
                try await Self.checkOpenMetricsHasTheSameCalls(as: scrape, address: metrics)
                try Self.checkCalls(scrape)
                try Self.checkViewsLoginsAndConnections(scrape)
                try Self.checkDashboardAndAlertsNameOnlyMetricsThatExist(scrape)
                // The outbox: each failed attempt was retried, and each email went out once.
                #expect(retries >= Self.writes)
                #expect(try scrape.count("catalog_outbox_sent_total") == Self.writes)
                #expect(try scrape.count("catalog_outbox_retries_total") == retries)
                #expect(try scrape.count("catalog_outbox_failed_total") == 0)
                #expect(try scrape.count("catalog_outbox_pending") == 0)
                #expect(try scrape.value("catalog_outbox_oldest_pending_age_seconds") == 0)
                let sends = "catalog_smtp_send_duration_seconds_count"
                #expect(try scrape.count(sends, ["outcome": "success"]) == Self.writes)
                #expect(try scrape.count(sends, ["outcome": "failure"]) == retries)
                try await smtp.stop()
            }
            #expect(try await daemon.terminate() == 0)
        }
    }

    /// The admin's part: a login, a second admin to mail, and the writes (each an email to them).
    private static func write(through admin: CatalogClient, daemon: DaemonProcess) async throws -> String {
        let tokens = try await admin.login(username: "admin", password: try daemon.initialPassword)
        admin.setAccessToken(tokens.accessToken)
        _ = try await admin.createAdmin(username: "bob", password: "bob's long password", email: "bob@example.com")
        let lamp = try await admin.createProduct(name: "Lamp", brand: "Acme", priceCents: 1999)
        _ = try await admin.updateProduct(sku: lamp.sku, priceCents: 2499)
        _ = try await admin.createProduct(name: "Desk", brand: "Acme", priceCents: 9999)
        return lamp.sku
    }

    /// The anonymous part, on a connection of its own: reads, misses and wrong passwords.
    private static func read(_ sku: String, daemon: DaemonProcess) async throws {
        try await CatalogClient.withClient(daemon.clientConfiguration()) { reader in
            for _ in 0..<Self.reads {
                _ = try await reader.getProduct(sku: sku)
            }
            for _ in 0..<Self.misses {
                await #expect(throws: RPCStatus.self) { _ = try await reader.getProduct(sku: UUID().uuidString) }
            }
            for _ in 0..<Self.failedLogins {
                await #expect(throws: RPCStatus.self) {
                    _ = try await reader.login(username: "admin", password: "not the password at all")
                }
            }
        }
    }

    private static func checkCalls(_ scrape: PrometheusScrape) throws {
        let getProduct = ["grpc_service": "catalog.v1.ProductService", "grpc_method": "GetProduct"]
        let framing = getProduct.merging(["transport": "framing"]) { $1 }
        #expect(try scrape.count("grpc_server_started_total", framing) == Self.reads + Self.misses)
        #expect(
            try scrape.count("grpc_server_handled_total", framing.merging(["grpc_code": "OK"]) { $1 }) == Self.reads
        )
        #expect(
            try scrape.count("grpc_server_handled_total", framing.merging(["grpc_code": "NotFound"]) { $1 })
                == Self.misses
        )
        let grpc = getProduct.merging(["transport": "grpc"]) { $1 }
        #expect(
            try scrape.count("grpc_server_handled_total", grpc.merging(["grpc_code": "OK"]) { $1 }) == Self.grpcReads
        )
        let login = ["grpc_method": "Login", "transport": "framing"]
        #expect(try scrape.count("grpc_server_handled_total", login.merging(["grpc_code": "OK"]) { $1 }) == 1)
        #expect(
            try scrape.count("grpc_server_handled_total", login.merging(["grpc_code": "Unauthenticated"]) { $1 })
                == Self.failedLogins
        )
        for method in ["CreateProduct", "UpdateProduct"] {
            let labels = ["grpc_method": method, "transport": "framing", "grpc_code": "OK"]
            #expect(try scrape.count("grpc_server_handled_total", labels) == (method == "CreateProduct" ? 2 : 1))
        }

        // The histogram holds every call once: its buckets rise to +Inf, which is its count.
        for labels in [framing, grpc] {
            let buckets = scrape.samples.filter { sample in
                sample.name == "grpc_server_handling_seconds_bucket"
                    && labels.allSatisfy { sample.labels[$0.key] == $0.value }
            }
            let counts = buckets.map(\.value)
            #expect(counts == counts.sorted(), "cumulative buckets never fall")
            let all = try scrape.value("grpc_server_handling_seconds_count", labels)
            #expect(buckets.last?.labels["le"] == "+Inf")
            #expect(counts.last == all)
            #expect(all == Double(labels == framing ? Self.reads + Self.misses : Self.grpcReads))
            #expect(try scrape.value("grpc_server_handling_seconds_sum", labels) ?? 0 > 0)
        }
        #expect(try scrape.count("catalog_calls_in_flight", ["transport": "framing"]) == 0, "every call answered")
    }

    /// The same exposition in OpenMetrics, as Prometheus asks for it: it parses by the strict
    /// parser, names every sample alike, and counts the calls alike (none was made in between).
    private static func checkOpenMetricsHasTheSameCalls(as text: PrometheusScrape, address: String) async throws {
        let openMetrics = try await PrometheusScrape(address: address, openMetrics: true)
        #expect(Set(openMetrics.samples.map(\.name)) == Set(text.samples.map(\.name)))
        let handled = "grpc_server_handled_total"
        #expect(openMetrics.sum(handled) == text.sum(handled))
        #expect(openMetrics.sum(handled) > 0)
        let family = try #require(openMetrics.samples.first { $0.name == handled }?.family)
        #expect(family == "grpc_server_handled", "an OpenMetrics counter family is named without _total")
    }

    /// docs/grafana-dashboard.json and docs/prometheus-alerts.yml query only what the daemon
    /// exposes (on SQLite here; what only PostgreSQL has, `ScaleOutTests` checks).
    private static func checkDashboardAndAlertsNameOnlyMetricsThatExist(_ scrape: PrometheusScrape) throws {
        let docs = try ObservabilityDocs()
        let panels = try #require(
            (try JSONSerialization.jsonObject(with: docs.dashboard) as? [String: Any])?["panels"] as? [[String: Any]]
        )
        #expect(panels.count >= 10)
        #expect(docs.metricNames.count >= 20)
        for name in docs.namesMissing(from: scrape) where !name.hasPrefix(ObservabilityDocs.postgresOnlyPrefix) {
            Issue.record("docs name \(name), which /metrics does not expose")
        }
        for alert in ["CatalogOutboxStuck", "CatalogViewFlushFailing", "CatalogErrorRatio", "CatalogNotServing"] {
            #expect(docs.alerts.contains("alert: \(alert)"))
        }
        #expect(try scrape.count("catalog_serving") == 1)
    }

    private static func checkViewsLoginsAndConnections(_ scrape: PrometheusScrape) throws {
        // Every anonymous read that found its product is a view, on either transport.
        #expect(try scrape.count("catalog_views_counted_total") == Self.reads + Self.grpcReads)
        // In the store or still in memory, never both, never neither.
        let flushed = try #require(try scrape.value("catalog_views_flushed_total"))
        let pending = try #require(try scrape.value("catalog_views_pending"))
        #expect(Int(flushed + pending) == Self.reads + Self.grpcReads)
        #expect(try scrape.count("catalog_logins_total", ["outcome": "succeeded"]) == 1)
        #expect(try scrape.count("catalog_logins_total", ["outcome": "failed"]) == Self.failedLogins)
        #expect(try scrape.count("catalog_logins_total", ["outcome": "throttled"]) == 0)
        // The admin's connection, the reader's and the one that was not TLS; the gRPC client's
        // and the one that was not TLS.
        #expect(
            try scrape.count("catalog_connections_accepted_total", ["transport": "framing", "outcome": "served"]) == 3
        )
        #expect(
            try scrape.count("catalog_connections_accepted_total", ["transport": "grpc", "outcome": "served"]) == 2
        )
        #expect(try scrape.count("catalog_connections_open") == 1, "the admin's, still open")
        #expect(try scrape.count("catalog_product_cache_products") == 2)
        // The store's calls: each create one insertProduct, the update one updateProduct.
        let calls = "catalog_database_call_duration_seconds_count"
        #expect(try scrape.count(calls, ["operation": "insertProduct", "outcome": "ok"]) == 2)
        #expect(try scrape.count(calls, ["operation": "updateProduct", "outcome": "ok"]) == 1)
        #expect(scrape.sum(calls, ["outcome": "error"]) == 0)
        // The whole catalog is cached: a product not in it does not exist, and no read missed.
        #expect(try scrape.count("catalog_product_cache_complete") == 1)
        #expect(try scrape.value("catalog_product_cache_misses_total", ["read": "product"]) == 0)
        for transport in ["framing", "grpc"] {
            #expect(try scrape.count("catalog_connection_tls_failures_total", ["transport": transport]) == 1)
            #expect(try scrape.count("catalog_connection_received_bytes_total", ["transport": transport]) > 0)
            #expect(try scrape.count("catalog_connection_sent_bytes_total", ["transport": transport]) > 0)
        }
    }

    /// Connects to `port`, sends an HTTP request where a TLS ClientHello belongs, and waits
    /// until the daemon closes the connection.
    private static func failTLSHandshake(port: Int) async throws {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "127.0.0.1", port: port).get()
        try await channel.writeAndFlush(ByteBuffer(string: "GET / HTTP/1.1\r\nHost: catalog\r\n\r\n"))
        try await withTimeout(.seconds(60), "the daemon to close a connection that is not TLS") {
            try await channel.closeFuture.get()
        }
    }
}
