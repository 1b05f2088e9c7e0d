import Domain
import Foundation
import Logging
import Notifications
import ServiceLifecycle
import Storage
import TestSupport
import Testing

/// The outbox end to end in one process: real SQLite, the real worker, libcurl, and a real
/// SMTP server (aiosmtpd).
@Suite struct OutboxDeliveryTests {
    struct Fixture: Sendable {
        var catalog: ProductCatalog
        var store: SQLiteStore
        var admins: [String: AdminIdentity]
        /// The worker's attempts, once the store has their outcome.
        var sent: EventCounter
        var retriesScheduled: EventCounter
    }

    /// Admins A (alice), B (bob) and C (carol), all with emails; a catalog whose changes wake
    /// a worker that sends through `smtpURL`.
    private func withFixture(
        smtpURL: String,
        retry: RetryPolicy = RetryPolicy(),
        now: @escaping @Sendable () -> Date = Date.init,
        _ body: @Sendable (Fixture) async throws -> Void
    ) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("outbox-\(UUID().uuidString)")
            .path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try SQLiteStore(path: directory + "/catalog.sqlite")
        var admins: [String: AdminIdentity] = [:]
        for name in ["alice", "bob", "carol"] {
            let admin = Admin(
                id: UUID(),
                username: name,
                email: "\(name)@example.com",
                isSuperuser: false,
                passwordHash: "$argon2id$unused",
                createTime: Date(),
                updateTime: Date()
            )
            try await store.insertAdmin(admin)
            admins[name] = AdminIdentity(id: admin.id, username: name)
        }
        var smtp = SMTPTransport.Configuration(url: try #require(URL(string: smtpURL)))
        smtp.connectTimeout = .seconds(2)
        smtp.transferTimeout = .seconds(5)
        smtp.startTLS = .off
        let transport = try SMTPTransport(configuration: smtp)
        let sent = EventCounter()
        let retriesScheduled = EventCounter()
        var configuration = NotificationWorker.Configuration()
        configuration.retry = retry
        configuration.now = now
        configuration.recorded = { outcome in
            switch outcome {
            case .sent: sent.increment()
            case .retryScheduled: retriesScheduled.increment()
            case .failed: break
            }
        }
        configuration.pollInterval = .milliseconds(100)
        var logger = Logger(label: "outbox-test")
        logger.logLevel = .critical
        let worker = NotificationWorker(
            store: store,
            transport: transport,
            configuration: configuration,
            logger: logger
        )
        var catalogConfiguration = ProductCatalog.Configuration()
        catalogConfiguration.changeCommitted = { worker.wake() }
        let catalog = ProductCatalog(store: store, configuration: catalogConfiguration)

        let group = ServiceGroup(services: [worker], logger: logger)
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            do {
                try await body(
                    Fixture(
                        catalog: catalog,
                        store: store,
                        admins: admins,
                        sent: sent,
                        retriesScheduled: retriesScheduled
                    )
                )
            } catch {
                await group.triggerGracefulShutdown()
                try? await tasks.waitForAll()
                throw error
            }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        try await transport.shutdown()
        try store.close()
    }

    @Test func everyOtherAdminGetsOneEmailPerChange() async throws {
        let smtp = try await SMTPTestServer()
        try await self.withFixture(smtpURL: smtp.url) { fixture in
            let alice = try #require(fixture.admins["alice"])
            let product = try await fixture.catalog.createProduct(
                NewProduct(name: "Lamp", brand: "Acme", priceCents: 1999),
                by: alice
            )
            let created = try await smtp.waitForMessages(2)
            #expect(Set(created.flatMap(\.rcptTos)) == ["bob@example.com", "carol@example.com"])
            #expect(
                created.allSatisfy {
                    $0.header("Subject") == "[catalog] alice created product Lamp (\(product.sku.canonicalText))"
                }
            )
            #expect(created.allSatisfy { $0.header("Message-ID") != nil && $0.header("Date") != nil })

            _ = try await fixture.catalog.updateProduct(
                sku: product.sku,
                changes: ProductChanges(name: "Desk lamp", priceCents: 2500),
                by: alice
            )
            // Changing nothing notifies nobody.
            _ = try await fixture.catalog.updateProduct(
                sku: product.sku,
                changes: ProductChanges(brand: "Acme"),
                by: alice
            )
            let updated = Array(try await smtp.waitForMessages(4).dropFirst(2))
            for message in updated {
                #expect(message.body.contains("name: Lamp -> Desk lamp"))
                #expect(message.body.contains("price_cents: 1999 -> 2500"))
                #expect(!message.body.contains("brand:"))
            }

            let bob = try #require(fixture.admins["bob"])
            try await fixture.catalog.deleteProduct(sku: product.sku, expectedVersion: 0, by: bob)
            let deleted = Array(try await smtp.waitForMessages(6).dropFirst(4))
            #expect(Set(deleted.flatMap(\.rcptTos)) == ["alice@example.com", "carol@example.com"])
            #expect(deleted.allSatisfy { $0.body.contains("Desk lamp") && $0.body.contains(product.sku.canonicalText) })

            // Exactly once each: every row of the outbox was sent once, and no message is missing or extra.
            // The last row is marked sent a moment after its message arrives.
            try await fixture.sent.wait(forAtLeast: 6, limit: .seconds(60))
            #expect(fixture.retriesScheduled.count == 0)
            let rows = try await fixture.store.listNotifications(status: nil, after: nil, limit: 100)
            #expect(rows.count == 6)
            #expect(rows.allSatisfy { $0.status == .sent && $0.attempts == 1 })
            #expect(Set(smtp.messages.compactMap { $0.header("Message-ID") }).count == 6)
        }
        try await smtp.stop()
    }

    @Test func aChangeSucceedsWhileTheMailServerIsDownAndItsEmailLeavesOnceItIsBack() async throws {
        // A port with no mail server behind it: the mail server is down (kept from other tests).
        let reservation = try PortReservation()
        let port = reservation.port
        var retry = RetryPolicy()
        retry.initialDelay = 0.2
        retry.maxDelay = 1
        try await self.withFixture(smtpURL: "smtp://127.0.0.1:\(port)", retry: retry) { fixture in
            let alice = try #require(fixture.admins["alice"])
            let product = try await withTimeout(.seconds(2), "the change to commit") {
                try await fixture.catalog.createProduct(
                    NewProduct(name: "Lamp", brand: "Acme", priceCents: 1),
                    by: alice
                )
            }
            // One failed attempt for each of the two emails.
            try await fixture.retriesScheduled.wait(forAtLeast: 2, limit: .seconds(60))
            let pending = try await fixture.store.listNotifications(status: .pending, after: nil, limit: 10)
            #expect(pending.count == 2)
            #expect(pending.allSatisfy { !$0.lastError.isEmpty })

            reservation.release()
            let smtp = try await SMTPTestServer(port: port)
            // Within the backoff bound: the next attempt is at most about a second away.
            let messages = try await smtp.waitForMessages(2, limit: .seconds(5))
            #expect(messages.allSatisfy { $0.header("Subject")?.contains(product.sku.canonicalText) == true })
            try await smtp.stop()
        }
    }

    /// What is due and when a retry is come from the worker's clock, not the machine's.
    @Test func dueAndRetryTimesComeFromTheWorkersClock() async throws {
        let reservation = try PortReservation()
        var retry = RetryPolicy()
        retry.initialDelay = 3600
        retry.maxDelay = 3600
        retry.jitter = 0
        // A day ahead of the machine's clock: a retry timed by the machine's would be a day off.
        let later = Timestamp.truncated(Date().addingTimeInterval(86_400))
        let clock: @Sendable () -> Date = { later }
        try await self.withFixture(smtpURL: "smtp://127.0.0.1:\(reservation.port)", retry: retry, now: clock) {
            fixture in
            _ = try await fixture.catalog.createProduct(
                NewProduct(name: "Lamp", brand: "Acme", priceCents: 1),
                by: try #require(fixture.admins["alice"])
            )
            try await fixture.retriesScheduled.wait(forAtLeast: 2, limit: .seconds(60))
            let pending = try await fixture.store.listNotifications(status: .pending, after: nil, limit: 10)
            #expect(pending.count == 2)
            for notification in pending {
                #expect(abs(notification.nextAttemptTime.timeIntervalSince(later) - 3600) < 0.001)
            }
        }
    }

    @Test func aStalledMailServerDoesNotSlowProductChanges() async throws {
        let stalled = try await SMTPTestServer(stalled: true)
        try await self.withFixture(smtpURL: stalled.url) { fixture in
            let alice = try #require(fixture.admins["alice"])
            // The worker is stuck on the first email; every change still commits at once.
            for index in 0..<20 {
                _ = try await withTimeout(.seconds(1), "change \(index) to commit") {
                    try await fixture.catalog.createProduct(
                        NewProduct(name: "P\(index)", brand: "Acme", priceCents: 1),
                        by: alice
                    )
                }
            }
            let rows = try await fixture.store.listNotifications(status: nil, after: nil, limit: 100)
            #expect(rows.count == 40)
            #expect(rows.allSatisfy { $0.status == .pending })
        }
        try await stalled.stop()
    }
}
