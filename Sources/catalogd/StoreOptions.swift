import ArgumentParser
import Foundation
import Logging
import Metrics
import Storage

/// Where the daemon keeps its state; shared by every subcommand.
struct StoreOptions: ParsableArguments {
    @Option(
        help: "Folder for the SQLite database, TLS files and secrets. [env: CATALOG_DATA_DIR] (default: ./.catalog)"
    )
    var dataDir: String?

    @Option(
        name: .customLong("database"),
        help:
            "Database URL: sqlite:PATH, or postgres://user:pass@host:port/db. [env: CATALOG_DATABASE_URL] (default: SQLite in the data dir)"
    )
    var databaseURL: String?

    /// The data directory, made (mode 0700) if missing.
    func resolvedDataDir() throws -> String {
        let path = self.dataDir ?? Environment.value("CATALOG_DATA_DIR") ?? "./.catalog"
        try FileManager.default.createDirectory(
            atPath: path,
            withIntermediateDirectories: true,
            attributes: [.posixPermissions: 0o700]
        )
        return path
    }

    @Option(help: "Seconds a call waits for PostgreSQL before failing with UNAVAILABLE.")
    var databaseTimeout: Double = 5

    func validate() throws {
        guard self.databaseTimeout > 0 else {
            throw ValidationError("--database-timeout must be positive")
        }
    }

    /// Opens the configured store, applies pending migrations, runs `body` with it, and
    /// closes the store when `body` ends.
    /// - Parameter metrics: where the store's calls are recorded (`serve` with metrics on).
    func withStore<Result: Sendable>(
        dataDir: String,
        logger: Logger,
        metrics: any MetricsFactory = NOOPMetricsHandler.instance,
        _ body: (any CatalogStore) async throws -> Result
    ) async throws -> Result {
        let url = self.databaseURL ?? Environment.value("CATALOG_DATABASE_URL")
        switch url {
        case nil:
            return try await Self.withSQLite(
                path: (dataDir as NSString).appendingPathComponent("catalog.sqlite"),
                metrics: metrics,
                body
            )
        case let url? where url.hasPrefix("sqlite:"):
            let path = String(url.dropFirst("sqlite:".count)).replacingOccurrences(
                of: "//",
                with: "",
                options: .anchored
            )
            guard !path.isEmpty else {
                throw ValidationError("--database sqlite:PATH needs a path")
            }
            return try await Self.withSQLite(path: path, metrics: metrics, body)
        case let url? where url.hasPrefix("postgres://") || url.hasPrefix("postgresql://"):
            let parsed: PostgresURL
            do {
                parsed = try PostgresURL(url)
            } catch {
                throw ValidationError("\(error)")
            }
            var options = PostgresStore.Options()
            options.timeout = .seconds(self.databaseTimeout)
            options.metrics = metrics
            return try await PostgresStore.withStore(url: parsed, options: options, logger: logger, body)
        default:
            throw ValidationError("--database must start with sqlite: or postgres://")
        }
    }

    private static func withSQLite<Result: Sendable>(
        path: String,
        metrics: any MetricsFactory,
        _ body: (any CatalogStore) async throws -> Result
    ) async throws -> Result {
        let store = try SQLiteStore(path: path, metrics: metrics)
        defer { try? store.close() }
        return try await body(store)
    }
}

/// Reads configuration from the environment; an empty variable counts as unset.
enum Environment {
    static func value(_ name: String) -> String? {
        guard let value = ProcessInfo.processInfo.environment[name], !value.isEmpty else { return nil }
        return value
    }
}
