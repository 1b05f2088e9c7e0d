import Domain
import Foundation
import GRDB
public import Metrics

#if canImport(Glibc)
import Glibc
#endif

/// The embedded store: one SQLite file in WAL mode, read by a pool of connections and
/// written by one. GRDB runs every statement on its own dispatch queues, never on an
/// event loop or the cooperative pool.
///
/// Commits are durable: `synchronous=FULL` syncs the WAL at every commit, so an answered
/// write survives a power loss (WAL's default, NORMAL, may roll the last commits back).
/// docs/PERFORMANCE.md has its cost.
public final class SQLiteStore: Sendable {
    let pool: DatabasePool
    let callMetrics: DatabaseCallMetrics

    /// The most of the database file mapped into memory (address space, not resident memory).
    static let mmapSize = 1 << 30

    /// Opens (creating if needed) the database at `path` and applies pending migrations.
    /// A new file is created with mode 0600: it holds password hashes. SQLite gives its
    /// journal files the same mode.
    /// - Parameter metrics: where each call's latency and outcome are recorded.
    public init(path: String, metrics: any MetricsFactory = NOOPMetricsHandler.instance) throws {
        self.callMetrics = DatabaseCallMetrics(factory: metrics)
        let descriptor = open(path, O_RDWR | O_CREAT, 0o600)
        if descriptor >= 0 {
            Glibc.close(descriptor)
        }
        var configuration = Configuration()
        // Another process (catalogd migrate, a second reader) may hold the write lock briefly.
        configuration.busyMode = .timeout(5)
        configuration.label = "catalog"
        // Pages are read through a memory map (shared by every connection, in the OS's page
        // cache) rather than copied by pread into each connection's small page cache: a
        // flush of 100,000 products and a report over a day of buckets touch tens of MB.
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA mmap_size = \(Self.mmapSize)")
        }
        self.pool = try DatabasePool(path: path, configuration: configuration)
        // After the pool opened: GRDB sets NORMAL on its writer when it turns WAL on. Only the
        // writer commits, so only its setting matters.
        try self.pool.writeWithoutTransaction { try $0.execute(sql: "PRAGMA synchronous = FULL") }
        try SQLiteMigrations.migrator.migrate(self.pool)
    }

    /// The writer's `synchronous` setting (2 is FULL), for tests.
    public func synchronousSetting() throws -> Int? {
        try self.pool.writeWithoutTransaction { try Int.fetchOne($0, sql: "PRAGMA synchronous") }
    }

    /// Closes every connection; later calls fail.
    public func close() throws {
        try self.pool.close()
    }
}
