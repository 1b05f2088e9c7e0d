import Codec
import Foundation
import RPCClient
import Synchronization
import TestSupport
import Testing

/// Issue 12: "acknowledged means durable", and nothing counted twice, through 20 crashes.
/// Each round starts the daemon on the same data, runs a write load (client-chosen skus) and
/// an anonymous read load, and kills it with SIGKILL at a random moment.
@Suite struct CrashRecoveryTests {
    static let rounds = 20
    static let flushInterval = 0.2

    @Test func sqliteKeepsEveryAcknowledgedWriteAndNeverOverCountsViews() async throws {
        try await withTemporaryDirectory { directory in
            try await self.crashLoop(in: directory, environment: [:])
        }
    }

    @Test(.enabled(if: PostgresTestDatabase.isEnabled, "needs PostgreSQL: run with make test"))
    func postgresKeepsEveryAcknowledgedWriteAndNeverOverCountsViews() async throws {
        try await PostgresTestDatabase.withDatabase { url in
            try await withTemporaryDirectory { directory in
                try await self.crashLoop(in: directory, environment: ["CATALOG_DATABASE_URL": url])
            }
        }
    }

    /// Set when a round's daemon was killed: its loads stop.
    private final class StopFlag: Sendable {
        private let value = Atomic(false)
        var isSet: Bool { self.value.load(ordering: .relaxed) }
        func set() { self.value.store(true, ordering: .relaxed) }
    }

    /// What the clients saw, over every round.
    private final class Record: Sendable {
        let acknowledged = Mutex<[String]>([])
        /// Times of acknowledged anonymous reads of the watched product.
        let reads = Mutex<[ContinuousClock.Instant]>([])
        let unexpected = Mutex<[String]>([])
    }

    private func crashLoop(in directory: String, environment: [String: String]) async throws {
        let smtp = try await SMTPTestServer()
        let arguments = [
            "--view-flush-interval", "\(Self.flushInterval)", "--smtp-url", smtp.url, "--smtp-starttls", "off",
            "--notify-retry-initial", "0.2", "--notify-retry-max", "1", "--database-timeout", "60",
        ]
        let record = Record()
        var crashes: [ContinuousClock.Instant] = []
        var watched = ""

        for round in 0..<Self.rounds {
            let daemon = try await DaemonProcess(
                workingDirectory: directory,
                arguments: arguments,
                environment: environment
            )
            try await Self.asAdmin(of: daemon) { admin in
                if round == 0 {
                    _ = try await admin.createAdmin(
                        username: "bob",
                        password: "bob's long password",
                        email: "bob@example.com"
                    )
                    watched = try await admin.createProduct(name: "Watched", brand: "Acme", priceCents: 1).sku
                    record.acknowledged.withLock { $0.append(watched) }
                }
                // Every write acknowledged before any earlier crash is there.
                for sku in record.acknowledged.withLock({ $0 }) {
                    _ = try await admin.getProduct(sku: sku)
                }
                let watchedSKU = watched
                let crash = try await CatalogClient.withClient(daemon.clientConfiguration()) { reader in
                    let stop = StopFlag()
                    return try await withThrowingTaskGroup(of: Void.self) { load in
                        load.addTask { await Self.write(through: admin, into: record, until: stop) }
                        load.addTask { await Self.read(watchedSKU, through: reader, into: record, until: stop) }
                        try await Task.sleep(for: .milliseconds(Int.random(in: 300...1500)))
                        try await daemon.crash()
                        let crash = ContinuousClock.now
                        stop.set()
                        try await load.waitForAll()
                        return crash
                    }
                }
                crashes.append(crash)
            }
        }

        // A last, clean run: every acknowledged write is there, views are exact to a bound,
        // and every change is mailed.
        let daemon = try await DaemonProcess(
            workingDirectory: directory,
            arguments: arguments,
            environment: environment
        )
        try await Self.asAdmin(of: daemon) { admin in
            let acknowledged = record.acknowledged.withLock { $0 }
            for sku in acknowledged {
                _ = try await admin.getProduct(sku: sku)
            }
            let views = try await admin.getProduct(sku: watched).views
            let reads = record.reads.withLock { $0 }
            // A crash loses at most the views of its last flush interval (and of the flush under
            // way when it came: a margin of a second for a busy machine).
            let losable = crashes.map { crash in
                reads.filter { crash - $0 <= .seconds(Self.flushInterval + 1) && $0 <= crash }.count
            }.reduce(0, +)
            #expect(views <= UInt64(reads.count), "views are never over-counted")
            #expect(views + UInt64(losable) >= UInt64(reads.count), "views \(views) of \(reads.count) reads")
            #expect(record.unexpected.withLock { $0 }.isEmpty)
            // Twenty kills, some mid-flush, and the buckets still add up to the total: they are
            // written in the total's transaction.
            let series = try await admin.productViewSeries(
                sku: watched,
                start: Date().addingTimeInterval(-2 * 86_400),
                end: Date(),
                granularity: .day
            )
            #expect(series.totalViews == views)
            #expect(series.points.map(\.views).reduce(0, +) == views, "the buckets sum to the total")

            // Each created product's email reached bob; a resend keeps its Message-ID.
            let created = Set(acknowledged)
            try await eventually("every change to be mailed", limit: .seconds(60)) {
                let mailed = Set(smtp.messages.compactMap { Self.sku(inSubject: $0.header("Subject")) })
                return created.isSubset(of: mailed)
            }
            var messageIDs: [String: Set<String>] = [:]
            for message in smtp.messages {
                if let sku = Self.sku(inSubject: message.header("Subject")), let id = message.header("Message-ID") {
                    messageIDs[sku, default: []].insert(id)
                }
            }
            #expect(messageIDs.values.allSatisfy { $0.count == 1 }, "one Message-ID per change")
        }
        #expect(try await daemon.terminate() == 0)
        try await smtp.stop()
    }

    /// A client of `daemon`, logged in as its first superuser.
    private static func asAdmin(
        of daemon: DaemonProcess,
        _ body: (CatalogClient) async throws -> Void
    ) async throws {
        try await CatalogClient.withClient(daemon.clientConfiguration()) { admin in
            admin.setAccessToken(
                try await admin.login(username: "admin", password: try daemon.initialPassword).accessToken
            )
            try await body(admin)
        }
    }

    private static func sku(inSubject subject: String?) -> String? {
        guard let subject, subject.contains(" created product "), let open = subject.lastIndex(of: "(") else {
            return nil
        }
        return String(subject[subject.index(after: open)...].dropLast())
    }

    /// Creates products with skus of its own choosing until told to stop or the daemon dies.
    private static func write(through admin: CatalogClient, into record: Record, until stop: StopFlag) async {
        while !stop.isSet {
            let sku = UUID().uuidString.lowercased()
            do {
                _ = try await admin.createProduct(name: "P", brand: "Load", priceCents: 1, sku: sku)
                record.acknowledged.withLock { $0.append(sku) }
            } catch let status as RPCStatus where status.code == .unavailable {
                return  // the daemon died: unacknowledged, this write may or may not exist
            } catch {
                record.unexpected.withLock { $0.append("write: \(error)") }
                return
            }
        }
    }

    /// Reads the watched product anonymously until told to stop or the daemon dies.
    private static func read(
        _ sku: String,
        through reader: CatalogClient,
        into record: Record,
        until stop: StopFlag
    ) async {
        while !stop.isSet {
            do {
                _ = try await reader.getProduct(sku: sku)
                record.reads.withLock { $0.append(ContinuousClock.now) }
            } catch let status as RPCStatus where status.code == .unavailable {
                return
            } catch {
                record.unexpected.withLock { $0.append("read: \(error)") }
                return
            }
        }
    }
}
