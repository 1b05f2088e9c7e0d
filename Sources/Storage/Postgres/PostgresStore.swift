import Domain
import Foundation
public import Logging
public import Metrics
import NIOPosix
import PostgresNIO
import Synchronization

/// The production store: PostgreSQL through a pool of postgres-nio connections, shared by
/// any number of daemons.
///
/// Every call is bounded by `Options.timeout`: when the database is down or unreachable
/// the caller gets `DomainError` `unavailable` promptly, never a hang, and the pool
/// reconnects by itself when the database is back. Once the store knows the database is
/// down, calls fail at once (`DatabaseAvailability`).
public final class PostgresStore: Sendable {
    public struct Options: Sendable {
        /// The longest a call waits for the database, queueing for a connection included.
        public var timeout: Duration = .seconds(5)
        /// Connections in the pool, per daemon.
        var maximumConnections = 20
        /// Where each call's latency and outcome are recorded (the daemon's metrics).
        public var metrics: any MetricsFactory = NOOPMetricsHandler.instance

        public init() {}
    }

    let client: PostgresClient
    /// Names this store's changes in the change feed, so that it skips them there.
    let origin = UUID()
    let url: PostgresURL
    let options: Options
    let logger: Logger
    private let callMetrics: DatabaseCallMetrics
    /// The fallback probe is for a store without Health's prober; in the daemon it never fires.
    private let availability = Mutex(DatabaseAvailability(fallbackProbeInterval: .seconds(30)))
    /// Every call fails while the database is down (Health's probe each second among them): a
    /// line a minute says so, with how many failed.
    private let unavailableLog = Mutex(RepeatedFailureLog())

    init(url: PostgresURL, options: Options, logger: Logger) throws {
        var configuration = PostgresClient.Configuration(
            host: url.host,
            port: url.port,
            username: url.username,
            password: url.password,
            database: url.database,
            tls: url.clientTLS()
        )
        configuration.options.maximumConnections = options.maximumConnections
        configuration.options.connectTimeout = options.timeout
        configuration.options.tlsServerName = url.tlsServerName
        self.client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        self.url = url
        self.options = options
        self.logger = logger
        self.callMetrics = DatabaseCallMetrics(factory: options.metrics)
    }

    /// Connects, applies pending migrations, runs `body` with the store, and closes the
    /// pool when `body` returns or throws.
    public static func withStore<Result: Sendable>(
        url: PostgresURL,
        options: Options = Options(),
        logger: Logger,
        _ body: (PostgresStore) async throws -> Result
    ) async throws -> Result {
        let store = try PostgresStore(url: url, options: options, logger: logger)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await store.client.run() }
            defer { group.cancelAll() }
            try await store.checkConnection()
            try await PostgresMigrations.apply(to: store)
            return try await body(store)
        }
    }

    /// Connects once outside the pool, which would only log why it cannot connect: a wrong
    /// password or database name fails the start with the server's own words.
    private func checkConnection() async throws {
        do {
            let connection = try await Deadline.run(
                within: self.options.timeout,
                onTimeout: PostgresConnectError(url: self.url, reason: "no answer in \(self.options.timeout)")
            ) {
                try await PostgresConnection.connect(
                    on: MultiThreadedEventLoopGroup.singleton.any(),
                    configuration: try self.url.connectionConfiguration(timeout: self.options.timeout),
                    id: 0,
                    logger: self.logger
                ).get()
            }
            try await connection.close()
        } catch let error as PSQLError {
            let reason = error.serverInfo?[.message] ?? PostgresErrors.summary(error)
            throw PostgresConnectError(url: self.url, reason: reason)
        } catch let error as PostgresConnectError {
            throw error
        } catch {
            throw PostgresConnectError(url: self.url, reason: "\(error)")
        }
    }

    // MARK: Running statements

    /// Runs `operation` with the pool, bounded by the timeout (`Options.timeout` unless given),
    /// with errors translated for callers. While the database is known to be down, fails at
    /// once unless it goes as a probe.
    /// - Parameter name: the store method's, for the metrics.
    func run<Value: Sendable>(
        probe: Bool = false,
        timeout: Duration? = nil,
        name: String = #function,
        _ operation: @escaping @Sendable (PostgresClient) async throws -> Value
    ) async throws -> Value {
        let started = ContinuousClock.now
        let admission = self.availability.withLock { $0.admit(probe: probe, now: .now) }
        guard case .proceed(let asProbe) = admission else {
            self.callMetrics.record(name, .refused, ContinuousClock.now - started)
            throw Self.unavailable(cause: nil)
        }
        do {
            let value = try await Deadline.run(within: timeout ?? self.options.timeout, onTimeout: DeadlinePassed()) {
                try await operation(self.client)
            }
            self.availability.withLock { $0.finished(.answered, asProbe: asProbe, now: .now) }
            if let failures = self.unavailableLog.withLock({ $0.succeeded() }) {
                self.logger.info("database available again", metadata: ["failures": "\(failures)"])
            }
            self.callMetrics.record(name, .ok, ContinuousClock.now - started)
            return value
        } catch {
            let translated = error is DeadlinePassed ? Self.timedOut(cause: error) : self.translate(error)
            let outcome = Self.availabilityOutcome(of: error, translated: translated, probe: probe || asProbe)
            let callOutcome: DatabaseCallMetrics.Outcome
            switch translated {
            case let error as DomainError where error.code == .unavailable: callOutcome = .unavailable
            case is CancellationError: callOutcome = .cancelled
            default: callOutcome = .error
            }
            self.availability.withLock { $0.finished(outcome, asProbe: asProbe, now: .now) }
            self.callMetrics.record(name, callOutcome, ContinuousClock.now - started)
            throw translated
        }
    }

    /// What a failed call says of the database, for the circuit breaker. Only a lost connection,
    /// or a probe (`SELECT 1`) with no answer in time, says it is unreachable: an ordinary call
    /// past its deadline may be one slow query (an all-time report) on a healthy database, and
    /// twenty of them must not make the daemon refuse every call. A statement the server ended
    /// (`statement_timeout`) is an answer.
    static func availabilityOutcome(
        of error: any Error,
        translated: any Error,
        probe: Bool
    ) -> DatabaseAvailability.Outcome {
        switch error {
        case is CancellationError: .unknown
        case is DeadlinePassed: probe ? .unreachable : .unknown
        case let error as PSQLError where PostgresErrors.isStatementTimeout(error): .answered
        default:
            if let translated = translated as? DomainError, translated.code == .unavailable {
                .unreachable
            } else {
                .answered
            }
        }
    }

    /// Runs one statement that returns no rows, as its own transaction.
    func execute(_ query: PostgresQuery, name: String = #function) async throws {
        try await self.run(name: name) { client in
            _ = try await client.query(query, logger: self.logger).array()
        }
    }

    /// Runs `body` in one transaction on one connection: committed when it returns, rolled
    /// back when it throws. A deadlock or serialization failure reruns it (at most three
    /// times in all), so `body` must only act through the connection.
    /// - Parameter timeout: bounds the whole transaction; `Options.timeout` unless given.
    func transaction<Value: Sendable>(
        timeout: Duration? = nil,
        name: String = #function,
        _ body: @escaping @Sendable (PostgresConnection) async throws -> Value
    ) async throws -> Value {
        var attempt = 1
        while true {
            do {
                return try await self.run(timeout: timeout, name: name) { client in
                    let leasing = ContinuousClock.now
                    return try await client.withConnection { connection in
                        self.callMetrics.connectionWait(ContinuousClock.now - leasing)
                        return try await Self.inTransaction(connection, logger: self.logger, body)
                    }
                }
            } catch let error as PSQLError where PostgresErrors.isRetryable(error) {
                guard attempt < 3 else {
                    throw DomainError(.aborted, "the change conflicted with concurrent changes; try again")
                }
                attempt += 1
            }
        }
    }

    /// postgres-nio's `withTransaction`, with the error that ended it as it was thrown: a domain
    /// error from `body` passes to the caller, and a serialization failure (in `body` or at
    /// COMMIT) reaches `transaction`'s retry, where `PostgresTransactionError` would hide both.
    private static func inTransaction<Value: Sendable>(
        _ connection: PostgresConnection,
        logger: Logger,
        _ body: @Sendable (PostgresConnection) async throws -> Value
    ) async throws -> Value {
        do {
            return try await connection.withTransaction(logger: logger) { connection in
                try await body(connection)
            }
        } catch let error as PostgresTransactionError {
            // A failed ROLLBACK leaves a broken connection, which the pool drops.
            throw error.closureError ?? error.commitError ?? error.beginError ?? error
        }
    }

    /// - Parameter cause: the error that showed it; `nil` when the circuit breaker refused the
    ///   call before it reached the database.
    private static func unavailable(cause: (any Error)?) -> DomainError {
        DomainError(.unavailable, "the database is unavailable; try again", cause: cause)
    }

    private static func timedOut(cause: any Error) -> DomainError {
        DomainError(.unavailable, "the database did not answer in time; try again", cause: cause)
    }

    /// What a caller may see of a database error: domain errors pass, losing the database
    /// is `unavailable`, a retryable conflict or a unique violation passes as it is, and the
    /// rest is an internal fault whose detail goes to the log only.
    private func translate(_ error: any Error) -> any Error {
        switch error {
        case is DomainError, is CancellationError, is StorageError:
            return error
        case let error as PSQLError where PostgresErrors.isStatementTimeout(error):
            return DomainError(
                .unavailable,
                "the database took too long to answer; try a narrower request",
                cause: error
            )
        case let error as PSQLError where PostgresErrors.isRetryable(error) || PostgresErrors.isUniqueViolation(error):
            // Left for `transaction` to retry, or for the caller to name what is taken.
            return error
        case let error as PSQLError where !PostgresErrors.isConnectionLoss(error):
            self.logger.error("database error", metadata: ["error": "\(String(reflecting: error))"])
            return StorageError.database(summary: PostgresErrors.summary(error), cause: error)
        default:
            if case .log(let count) = self.unavailableLog.withLock({ $0.failed(at: .now) }) {
                self.logger.warning("database unavailable", metadata: ["error": "\(error)", "failures": "\(count)"])
            }
            return Self.unavailable(cause: error)
        }
    }

    /// Whether the database answers now. Goes to the database even while it is known to be
    /// down: this is the probe that notices its return (Health calls it every second).
    public func isReachable() async -> Bool {
        let answer = try? await self.run(probe: true) { client in
            try await client.query("SELECT 1", logger: self.logger).collect()
        }
        return answer != nil
    }
}

/// A call's `Deadline` passed before the database answered.
struct DeadlinePassed: Error {}

/// The daemon cannot reach its database at start; says why, never with the password.
public struct PostgresConnectError: Error, CustomStringConvertible {
    public var url: PostgresURL
    public var reason: String

    public var description: String { "cannot connect to \(self.url): \(self.reason)" }
}

/// How PostgreSQL's errors are told apart.
enum PostgresErrors {
    /// The SQLSTATE of an error the server reported.
    static func sqlState(_ error: PSQLError) -> String? {
        guard error.code == .server else { return nil }
        return error.serverInfo?[.sqlState]
    }

    static func isUniqueViolation(_ error: any Error) -> Bool {
        (error as? PSQLError).flatMap(self.sqlState) == "23505"
    }

    /// The server ended the statement at its `statement_timeout` (57014, query_canceled).
    static func isStatementTimeout(_ error: PSQLError) -> Bool {
        self.sqlState(error) == "57014"
    }

    /// A deadlock or serialization failure: running the transaction again may succeed.
    static func isRetryable(_ error: PSQLError) -> Bool {
        ["40P01", "40001"].contains(self.sqlState(error))
    }

    /// The connection failed or the server is shutting down, starting, or out of connections.
    static func isConnectionLoss(_ error: PSQLError) -> Bool {
        guard let state = self.sqlState(error) else {
            return error.code != .messageDecodingFailure && error.code != .tooManyParameters
        }
        return state.hasPrefix("08") || state.hasPrefix("57P") || state == "53300"
    }

    /// The SQLSTATE and message, for logs and internal errors; never the statement's values.
    static func summary(_ error: PSQLError) -> String {
        if let state = self.sqlState(error) {
            return "\(state) \(error.serverInfo?[.message] ?? "")"
        }
        if error.code == .sslUnsupported {
            return "the server does not offer TLS, which the URL's sslmode requires"
        }
        if let underlying = error.underlying, "\(underlying)".contains("CERTIFICATE_VERIFY_FAILED") {
            return "the server's certificate is not signed by a trusted CA (see sslrootcert)"
        }
        return error.underlying.map { "\(error.code): \($0)" } ?? "\(error.code)"
    }
}

extension AsyncSequence {
    /// Every element, in order.
    func array() async throws -> [Element] {
        var elements: [Element] = []
        for try await element in self {
            elements.append(element)
        }
        return elements
    }
}
