import Domain
import Foundation
public import Logging
public import Storage

/// The two stores every store test runs against.
public enum StoreKind: String, Sendable, CaseIterable {
    case sqlite, postgres

    /// SQLite always; PostgreSQL when a test cluster is there or CI requires it.
    public static var enabled: [StoreKind] {
        PostgresTestDatabase.isEnabled ? [.sqlite, .postgres] : [.sqlite]
    }

    /// Opens an empty store of this kind for the length of `body`.
    public func withStore<Result: Sendable>(
        options: PostgresStore.Options = .forTests,
        _ body: (any CatalogStore) async throws -> Result
    ) async throws -> Result {
        switch self {
        case .sqlite:
            return try await withTemporaryDirectory { directory in
                let store = try SQLiteStore(path: directory + "/catalog.sqlite")
                defer { try? store.close() }
                return try await body(store)
            }
        case .postgres:
            return try await PostgresTestDatabase.withDatabase { url in
                try await PostgresStore.withStore(url: try PostgresURL(url), options: options, logger: .quiet) {
                    try await body($0)
                }
            }
        }
    }
}

extension PostgresStore.Options {
    /// A database timeout far beyond any a test waits on: these tests are not about timeouts,
    /// and a machine busy with parallel builds and tests can make a query take seconds.
    public static var forTests: PostgresStore.Options {
        var options = PostgresStore.Options()
        options.timeout = .seconds(60)
        return options
    }
}

extension Logger {
    /// A logger that drops everything, for stores and servers whose logs a test does not read.
    public static var quiet: Logger { Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }) }
}
