public import Logging
public import Metrics

/// Where the catalog is kept, from `--database` (or `CATALOG_DATABASE_URL`): `sqlite:PATH`,
/// `postgres://...`, or nothing for SQLite in the data directory.
public enum StoreLocation: Sendable {
    case sqlite(path: String)
    case postgres(PostgresURL)

    /// The file SQLite uses in the data directory when no URL is given.
    static func defaultSQLitePath(dataDir: String) -> String {
        dataDir.hasSuffix("/") ? dataDir + "catalog.sqlite" : dataDir + "/catalog.sqlite"
    }

    /// - Throws: `StoreLocationError` saying what the URL lacks (a PostgreSQL URL's password is
    ///   never repeated).
    public init(databaseURL: String?, dataDir: String) throws(StoreLocationError) {
        guard let url = databaseURL else {
            self = .sqlite(path: Self.defaultSQLitePath(dataDir: dataDir))
            return
        }
        if url.hasPrefix("sqlite:") {
            var path = url.dropFirst("sqlite:".count)
            if path.hasPrefix("//") {
                path = path.dropFirst(2)
            }
            guard !path.isEmpty else { throw StoreLocationError("sqlite:PATH needs a path") }
            self = .sqlite(path: String(path))
        } else if url.hasPrefix("postgres://") || url.hasPrefix("postgresql://") {
            do {
                self = .postgres(try PostgresURL(url))
            } catch {
                throw StoreLocationError("\(error)")
            }
        } else {
            throw StoreLocationError("must start with sqlite: or postgres://")
        }
    }
}

/// A database URL that names no store: what is wrong with it.
public struct StoreLocationError: Error, CustomStringConvertible, Equatable {
    public let description: String

    init(_ description: String) {
        self.description = description
    }
}

/// A store opened at a `StoreLocation`: which kind it is, for what only one kind has (the
/// PostgreSQL change feed several daemons share).
public enum OpenedStore: Sendable {
    case sqlite(SQLiteStore)
    case postgres(PostgresStore)

    public var store: any CatalogStore {
        switch self {
        case .sqlite(let store): store
        case .postgres(let store): store
        }
    }
}

extension StoreLocation {
    /// Opens the store, applies pending migrations, runs `body` with it, and closes it when
    /// `body` ends.
    /// - Parameters:
    ///   - timeout: how long a call waits for PostgreSQL before failing with UNAVAILABLE.
    ///   - metrics: where the store's calls are recorded.
    public func withStore<Result: Sendable>(
        timeout: Duration = .seconds(5),
        metrics: any MetricsFactory = NOOPMetricsHandler.instance,
        logger: Logger,
        _ body: (OpenedStore) async throws -> Result
    ) async throws -> Result {
        switch self {
        case .sqlite(let path):
            let store = try SQLiteStore(path: path, metrics: metrics)
            defer { try? store.close() }
            return try await body(.sqlite(store))
        case .postgres(let url):
            var options = PostgresStore.Options()
            options.timeout = timeout
            options.metrics = metrics
            return try await PostgresStore.withStore(url: url, options: options, logger: logger) { store in
                try await body(.postgres(store))
            }
        }
    }
}
