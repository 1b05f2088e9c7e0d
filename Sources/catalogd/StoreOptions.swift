import ArgumentParser
import Foundation
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

    /// Opens the configured store and applies pending migrations.
    func openStore(dataDir: String) throws -> SQLiteStore {
        let url = self.databaseURL ?? Environment.value("CATALOG_DATABASE_URL")
        switch url {
        case nil:
            return try SQLiteStore(path: (dataDir as NSString).appendingPathComponent("catalog.sqlite"))
        case let url? where url.hasPrefix("sqlite:"):
            let path = String(url.dropFirst("sqlite:".count)).replacingOccurrences(
                of: "//",
                with: "",
                options: .anchored
            )
            guard !path.isEmpty else {
                throw ValidationError("--database sqlite:PATH needs a path")
            }
            return try SQLiteStore(path: path)
        case let url? where url.hasPrefix("postgres://") || url.hasPrefix("postgresql://"):
            throw ValidationError("PostgreSQL is not supported by this build yet; use SQLite (the default)")
        default:
            throw ValidationError("--database must start with sqlite: or postgres://")
        }
    }
}

/// Reads configuration from the environment; an empty variable counts as unset.
enum Environment {
    static func value(_ name: String) -> String? {
        guard let value = ProcessInfo.processInfo.environment[name], !value.isEmpty else { return nil }
        return value
    }
}
