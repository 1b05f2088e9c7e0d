import Domain
import Metrics

/// What a store records of each call, through swift-metrics: its latency by operation (the
/// store method's name) and outcome, and for a PostgreSQL transaction the wait for a
/// connection of the pool.
struct DatabaseCallMetrics: Sendable {
    /// How a call ended.
    enum Outcome: String {
        case ok
        /// PostgreSQL: refused at once, the database known to be down.
        case refused
        /// PostgreSQL: no answer in time, or the connection failed.
        case unavailable
        case cancelled
        /// The database answered with an error the caller sees (a conflict, a constraint).
        case error
    }

    private let factory: any MetricsFactory

    init(factory: any MetricsFactory) {
        self.factory = factory
    }

    func record(_ operation: String, _ outcome: Outcome, _ duration: Duration) {
        Metrics.Timer(
            label: "catalog_database_call_duration_seconds",
            dimensions: [("operation", Self.name(operation)), ("outcome", outcome.rawValue)],
            factory: self.factory
        ).record(duration: duration)
    }

    /// The time a transaction waited for a connection of the pool.
    func connectionWait(_ duration: Duration) {
        Metrics.Timer(label: "catalog_database_connection_wait_seconds", factory: self.factory)
            .record(duration: duration)
    }

    /// `outboxBacklog()` from `#function`: the method's base name, a fixed set.
    private static func name(_ function: String) -> String {
        String(function.prefix { $0 != "(" })
    }
}
