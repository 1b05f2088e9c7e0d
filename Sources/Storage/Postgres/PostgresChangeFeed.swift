public import Domain
import Foundation
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import PostgresNIO
import Synchronization

/// How the daemons on one database hear of each other's changes: writers NOTIFY inside
/// their transactions (delivered at commit, dropped on rollback), and every daemon LISTENs
/// on a connection of its own.
public struct PostgresChangeFeed: Sendable {
    /// Payloads `<origin> product <sku> <ms>` and `<origin> admins <ms>`, the origin naming the
    /// writing store (a daemon skips its own changes, which it applied when it made them) and
    /// `<ms>` the database's clock at the announcement, in milliseconds since 1970, for the
    /// listener's lag. Payloads without `<ms>` (daemons before it) are read too.
    static let changesChannel = "catalog_changes"
    /// Payloads `<sku> <total>,<sku> <total>,...`, written by the view flush itself.
    static let viewsChannel = "catalog_views"
    /// Keeps a views payload (about 50 bytes per product) under PostgreSQL's 8000-byte limit.
    static let viewsPerNotification = 150

    private let store: PostgresStore

    init(store: PostgresStore) {
        self.store = store
    }

    /// Listens until the task is cancelled, handing each change to `handle` in the order
    /// heard. After every (re)connection it hands `.resync` first: what changed while it was
    /// not listening went unheard. Losing the connection is retried with `retryBackoff` (reset
    /// once listening again), and logged at most once a minute, with a count.
    public func run(
        retryBackoff: RetryBackoff = RetryBackoff(initial: .seconds(1), maximum: .seconds(30)),
        handle: @escaping @Sendable (HeardChange) async -> Void
    )
        async
    {
        var connectionID = 0
        var backoff = retryBackoff
        var failures = RepeatedFailureLog()
        while !Task.isCancelled {
            connectionID += 1
            // Set once this connection listens: a later loss is a new outage.
            let listening = Atomic(false)
            var lost: any Error = FeedEnded()
            do {
                try await self.listenOnce(connectionID: connectionID) { change in
                    if case .resync = change.change {
                        listening.store(true, ordering: .relaxed)
                    }
                    await handle(change)
                }
            } catch {
                lost = error
            }
            // At shutdown the notification streams end too; that is no lost feed.
            if Task.isCancelled {
                return
            }
            if listening.load(ordering: .relaxed) {
                backoff.succeeded()
                _ = failures.succeeded()
            }
            let delay = backoff.failed()
            if case .log(let count) = failures.failed(at: .now) {
                self.store.logger.warning(
                    "lost the change feed; other daemons' changes reach this one after it reconnects",
                    metadata: ["error": "\(lost)", "failures": "\(count)", "retry_in": "\(delay)"]
                )
            }
            guard (try? await Task.sleep(for: delay)) != nil else { return }
        }
    }

    private func listenOnce(connectionID: Int, handle: @escaping @Sendable (HeardChange) async -> Void) async throws {
        let connection = try await PostgresConnection.connect(
            on: MultiThreadedEventLoopGroup.singleton.any(),
            configuration: try self.store.url.connectionConfiguration(timeout: self.store.options.timeout),
            id: connectionID,
            logger: self.store.logger
        ).get()
        do {
            try await self.listen(on: connection, handle: handle)
            try? await connection.close()
        } catch {
            try? await connection.close()
            throw error
        }
    }

    private func listen(
        on connection: PostgresConnection,
        handle: @escaping @Sendable (HeardChange) async -> Void
    ) async throws {
        try await connection.listen(on: Self.changesChannel) { changes in
            try await connection.listen(on: Self.viewsChannel) { views in
                await handle(HeardChange(.resync))
                self.store.logger.info("listening for other daemons' changes")
                // One consumer for both channels, so that `handle` sees one change at a time.
                let (merged, continuation) = AsyncThrowingStream.makeStream(of: HeardChange.self)
                try await withThrowingTaskGroup(of: Void.self) { group in
                    let origin = self.store.origin
                    let parsers: [(PostgresNotificationSequence, @Sendable (String) -> HeardChange?)] = [
                        (changes, { @Sendable payload in Self.change(from: payload, skipping: origin) }),
                        (views, { @Sendable payload in Self.viewTotals(from: payload).map { HeardChange($0) } }),
                    ]
                    for (channel, parse) in parsers {
                        group.addTask {
                            for try await notification in channel {
                                if let change = parse(notification.payload) {
                                    continuation.yield(change)
                                }
                            }
                            throw FeedEnded()
                        }
                    }
                    group.addTask {
                        for try await change in merged {
                            await handle(change)
                        }
                    }
                    defer { continuation.finish() }
                    try await group.next()
                }
            }
        }
    }

    /// The change a `catalog_changes` payload announces; `nil` for one this daemon made itself
    /// (`origin`) or one it cannot read.
    static func change(from payload: String, skipping origin: UUID) -> HeardChange? {
        var words = payload.split(separator: " ")
        guard words.count >= 2, let writer = UUID(uuidString: String(words[0])), writer != origin else {
            return nil
        }
        var announcedAt: Date?
        if words.count >= 3, let milliseconds = Int64(words[words.count - 1]) {
            announcedAt = Date(timeIntervalSince1970: Double(milliseconds) / 1000)
            words.removeLast()
        }
        let change: StoreChange? =
            switch (words[1], words.count) {
            case ("admins", 2): .admins
            case ("product", 3): UUID(uuidString: String(words[2])).map(StoreChange.product)
            default: nil
            }
        return change.map { HeardChange($0, announcedAt: announcedAt) }
    }

    /// The totals of a `catalog_views` payload; `nil` when it cannot be read.
    static func viewTotals(from payload: String) -> StoreChange? {
        var totals: [UUID: UInt64] = [:]
        for entry in payload.split(separator: ",") {
            let parts = entry.split(separator: " ")
            guard parts.count == 2, let sku = UUID(uuidString: String(parts[0])), let total = UInt64(parts[1]) else {
                return nil
            }
            totals[sku] = total
        }
        return totals.isEmpty ? nil : .viewTotals(totals)
    }
}

/// A notification sequence ended: the connection is gone.
private struct FeedEnded: Error, CustomStringConvertible {
    var description: String { "the listening connection closed" }
}

extension PostgresStore {
    /// The feed of changes made through any daemon on this database.
    public var changeFeed: PostgresChangeFeed { PostgresChangeFeed(store: self) }

    enum Announcement {
        case product(UUID)
        case admins

        func payload(origin: UUID) -> String {
            switch self {
            case .product(let sku): "\(origin.canonicalText) product \(sku.canonicalText)"
            case .admins: "\(origin.canonicalText) admins"
            }
        }
    }

    /// Tells every daemon of a change when the caller's transaction commits, stamped with the
    /// database's clock (`clock_timestamp()`, read when this statement runs inside the writing
    /// transaction, not at its start as `now()` would be): one clock for every writer.
    func announce(_ announcement: Announcement, on connection: PostgresConnection) async throws {
        try await connection.query(
            """
            SELECT pg_notify(
                \(PostgresChangeFeed.changesChannel),
                \(announcement.payload(origin: self.origin)) || ' '
                    || floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint
            )
            """,
            logger: self.logger
        )
    }
}
