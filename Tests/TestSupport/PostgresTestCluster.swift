import Foundation

/// The PostgreSQL the tests use: the cluster `make test` starts, named by
/// `CATALOG_TEST_POSTGRES_URL`. Each test makes a database of its own in it.
///
/// With `CI=true` the tests that need it always run and fail without it; elsewhere they are
/// left out when the variable is unset (plain `swift test` without `make test`).
public enum PostgresTestDatabase {
    public static var clusterURL: String? {
        ProcessInfo.processInfo.environment["CATALOG_TEST_POSTGRES_URL"].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// The test cluster's self-signed certificate (`CATALOG_TEST_POSTGRES_CA`), for `sslmode=verify-full`.
    public static var clusterCA: String? {
        ProcessInfo.processInfo.environment["CATALOG_TEST_POSTGRES_CA"].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// Whether tests that need PostgreSQL should run.
    public static var isEnabled: Bool {
        self.clusterURL != nil || ProcessInfo.processInfo.environment["CI"] == "true"
    }

    /// Makes an empty database, runs `body` with its URL, and drops it.
    public static func withDatabase<Result>(_ body: (String) async throws -> Result) async throws -> Result {
        guard let clusterURL = self.clusterURL else {
            throw ProcessFailure(
                "CATALOG_TEST_POSTGRES_URL is not set: run the tests with `make test`, which starts PostgreSQL"
            )
        }
        return try await self.withDatabase(in: clusterURL, body)
    }

    /// Makes an empty database in the cluster at `clusterURL`, runs `body` with its URL, and drops it.
    public static func withDatabase<Result>(
        in clusterURL: String,
        _ body: (String) async throws -> Result
    ) async throws -> Result {
        let name = "catalog_test_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        try await runCommand("/usr/bin/psql", [clusterURL, "-qc", "CREATE DATABASE \(name)"])
        guard let slash = clusterURL.lastIndex(of: "/") else {
            throw ProcessFailure("CATALOG_TEST_POSTGRES_URL must end in /DATABASE")
        }
        let url = String(clusterURL[...slash]) + name
        do {
            let result = try await body(url)
            _ = try? await runCommand("/usr/bin/psql", [clusterURL, "-qc", "DROP DATABASE \(name) WITH (FORCE)"])
            return result
        } catch {
            _ = try? await runCommand("/usr/bin/psql", [clusterURL, "-qc", "DROP DATABASE \(name) WITH (FORCE)"])
            throw error
        }
    }

    /// Runs one SQL statement as the cluster's superuser, for inspecting what a test did.
    public static func query(_ url: String, _ sql: String) async throws -> String {
        try await runCommand("/usr/bin/psql", [url, "-XAtqc", sql]).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The slowest of three trivial queries, each a psql process: what any step costs on this
    /// machine right now (milliseconds idle, more beside CPU hogs), for bounds that must hold
    /// on a busy machine too.
    public static func slowestTrivialQuery(_ url: String) async throws -> Duration {
        var slowest = Duration.zero
        for _ in 0..<3 {
            let started = ContinuousClock.now
            _ = try await self.query(url, "SELECT 1")
            slowest = max(slowest, ContinuousClock.now - started)
        }
        return slowest
    }
}

/// A cluster of a test's own, for tests that stop and start the database:
/// `scripts/postgres-test-cluster` in a temporary folder.
public final class PostgresTestCluster: Sendable {
    private static let script = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("scripts/postgres-test-cluster").path

    public let directory: String
    /// The `postgres` database of the cluster.
    public let url: String

    private init(directory: String, url: String) {
        self.directory = directory
        self.url = url
    }

    /// Starts a new cluster, runs `body`, then stops it and removes its files.
    public static func withCluster<Result>(_ body: (PostgresTestCluster) async throws -> Result) async throws -> Result
    {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("catalog-pg-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let url = try await runCommand(self.script, ["start", directory]).trimmingCharacters(
            in: .whitespacesAndNewlines
        )
        let cluster = PostgresTestCluster(directory: directory, url: url)
        do {
            let result = try await body(cluster)
            try? await cluster.stop()
            return result
        } catch {
            try? await cluster.stop()
            throw error
        }
    }

    /// Stops the server (fast shutdown: clients are disconnected at once).
    public func stop() async throws {
        try await runCommand(Self.script, ["stop", self.directory])
    }

    /// Starts the stopped server again on the same port.
    public func start() async throws {
        try await runCommand(Self.script, ["start", self.directory])
    }
}

/// Runs a command to its end (at most `limit`) and returns its standard output.
/// - Throws: `ProcessFailure` with its output when it fails or takes too long.
@discardableResult
/// Runs a command to its end. The generous default limit is not what tests test: with every suite
/// running in parallel, a `DROP DATABASE` waited over a minute for the disk on a fresh clone.
public func runCommand(_ path: String, _ arguments: [String], limit: Duration = .seconds(180)) async throws -> String {
    let run = try await runProcess(URL(fileURLWithPath: path), arguments, limit: limit)
    guard run.status == 0 else {
        throw ProcessFailure("\(path) failed (\(run.status)):\n\(run.stdout)\(run.stderr)")
    }
    return run.stdout
}
