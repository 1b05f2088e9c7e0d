import ArgumentParser
import Daemon
import Domain
import Foundation
import HostSupport
import Logging
import Storage

/// Where the daemon keeps its state; shared by every subcommand.
struct StoreOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(EnvironmentSettings.dataDir.help("Folder for the SQLite database, TLS files and secrets."))
    )
    var dataDir: String?

    @Option(
        name: .customLong("database"),
        help: ArgumentHelp(
            EnvironmentSettings.database.help("Database URL: sqlite:PATH, or postgres://user:pass@host:port/db."),
            valueName: "url"
        )
    )
    var databaseURL: String?

    @Option(help: "Seconds a call waits for PostgreSQL before failing with UNAVAILABLE.")
    var databaseTimeout: Double = 5

    func validate() throws {
        guard self.databaseTimeout > 0 else {
            throw ValidationError("--database-timeout must be positive")
        }
    }

    /// The data directory, made (mode 0700) if missing.
    func resolvedDataDir() throws -> String {
        let path = EnvironmentSettings.dataDir.text(flag: self.dataDir)?.text ?? "./.catalog"
        try FileManager.default.createDirectory(
            atPath: path,
            withIntermediateDirectories: true,
            attributes: [.posixPermissions: 0o700]
        )
        return path
    }

    /// The store `--database` (or its variable) names, in `dataDir` by default.
    func location(dataDir: String) throws -> StoreLocation {
        let given = EnvironmentSettings.database.text(flag: self.databaseURL)
        do {
            return try StoreLocation(databaseURL: given?.text, dataDir: dataDir)
        } catch {
            throw ValidationError("\(given?.source ?? "--database") \(error)")
        }
    }

    /// For the host subcommands: runs `body` with the identity service over the store and the
    /// data dir. A failure of `body` is printed as its message alone (`HostCommandError`).
    func withIdentity(_ body: (IdentityService, _ dataDir: String) async throws -> Void) async throws {
        let dataDir = try self.resolvedDataDir()
        try await IdentityStack.withIdentity(
            at: try self.location(dataDir: dataDir),
            timeout: .seconds(self.databaseTimeout),
            dataDir: dataDir,
            logger: Logger(label: "catalogd")
        ) { identity in
            do {
                try await body(identity, dataDir)
            } catch {
                throw HostCommandError(error)
            }
        }
    }
}

/// A domain failure of a host command, printed as its message alone.
struct HostCommandError: Error, CustomStringConvertible {
    let description: String

    init(_ error: any Error) {
        if let error = error as? DomainError {
            let details = error.fieldViolations.map { "\n  \($0.field): \($0.description)" }.joined()
            self.description = error.message + details
        } else {
            self.description = "\(error)"
        }
    }
}
