public import Domain
public import Metrics
import RPCServer
import Synchronization
public import Telemetry

/// The daemon's metrics beyond the listeners' own (`ServerMetrics`): logins, the view flush,
/// the outbox and the cache; events through swift-metrics, state read at each scrape.
public struct DaemonMetrics: Sendable {
    public let exposition = MetricsExposition()
    let viewFlush: ViewFlushMetrics

    public init() {
        self.viewFlush = ViewFlushMetrics(factory: self.exposition.factory)
    }

    public var factory: any MetricsFactory { self.exposition.factory }

    /// Counts logins and refreshes by outcome, as the identity service tells of them.
    func identityObserver() -> @Sendable (IdentityEvent) -> Void {
        let logins = self.counters("catalog_logins_total", by: "outcome", IdentityEvent.LoginOutcome.self)
        let refreshes = self.counters("catalog_token_refreshes_total", by: "outcome", IdentityEvent.RefreshOutcome.self)
        return { event in
            switch event {
            case .login(let outcome): logins[outcome]?.increment()
            case .refresh(let outcome): refreshes[outcome]?.increment()
            }
        }
    }

    /// Counts the catalog's reads that missed the cache, by kind.
    func cacheMissObserver() -> @Sendable (CacheMiss) -> Void {
        let misses = self.counters("catalog_product_cache_misses_total", by: "read", CacheMiss.self)
        return { miss in misses[miss]?.increment() }
    }

    /// A counter per case of `Value`, its raw value the label `dimension`: all made at start, so
    /// each appears (at 0) before its first event.
    private func counters<Value: CaseIterable & RawRepresentable<String> & Hashable>(
        _ label: String,
        by dimension: String,
        _ type: Value.Type
    ) -> [Value: Counter] {
        Dictionary(
            uniqueKeysWithValues: Value.allCases.map {
                ($0, Counter(label: label, dimensions: [(dimension, $0.rawValue)], factory: self.factory))
            }
        )
    }

    /// Reads at each scrape the state of the catalog's views and cache, and of the outbox.
    func addCollectors(catalog: ProductCatalog, outbox: any NotificationStore) {
        let viewFlush = self.viewFlush
        self.exposition.add(
            ScrapeClosure { text in
                let views = catalog.viewStatistics()
                text.family(
                    "catalog_views_counted_total",
                    type: .counter,
                    help: "Anonymous product reads counted since start."
                )
                text.sample("catalog_views_counted_total", Int(views.counted))
                text.family(
                    "catalog_views_flushed_total",
                    type: .counter,
                    help: "Views written to the store since start."
                )
                text.sample("catalog_views_flushed_total", Int(views.flushed))
                text.gauge(
                    "catalog_views_pending",
                    help: "Views counted and not yet in the store.",
                    Double(views.pending)
                )
                text.gauge(
                    "catalog_view_flush_last_success_age_seconds",
                    help: "Seconds since the last view flush that succeeded (since start before the first).",
                    viewFlush.secondsSinceLastSuccess()
                )
                let cache = catalog.cacheStatistics
                text.gauge("catalog_product_cache_products", help: "Products in the cache.", Double(cache.products))
                text.gauge(
                    "catalog_product_cache_complete",
                    help:
                        "1 while the cache holds the whole catalog; 0 when reads of products not cached go to the store.",
                    cache.isComplete ? 1 : 0
                )
            }
        )
        // One query a second at most, whatever the scrape rate: /metrics is unauthenticated.
        let backlogs = ThrottledReading { try await outbox.outboxBacklog() }
        self.exposition.add(
            ScrapeClosure { text in
                // Left out when the store does not answer: the flush and health metrics say so.
                guard let backlog = await backlogs.value() else { return }
                text.gauge("catalog_outbox_pending", help: "Notifications not yet sent.", Double(backlog.pending))
                let age = backlog.oldestCreateTime.map { max(0, -$0.timeIntervalSinceNow) } ?? 0
                text.gauge(
                    "catalog_outbox_oldest_pending_age_seconds",
                    help: "Age of the oldest notification not yet sent; 0 when none is pending.",
                    age
                )
            }
        )
    }
}

/// What the view flush records: each flush's outcome and duration, and when one last succeeded.
final class ViewFlushMetrics: Sendable {
    private let succeeded: Counter
    private let failed: Counter
    private let duration: Metrics.Timer
    private let lastSuccess = Mutex(ContinuousClock.now)

    init(factory: any MetricsFactory) {
        let label = "catalog_view_flushes_total"
        self.succeeded = Counter(label: label, dimensions: [("outcome", "success")], factory: factory)
        self.failed = Counter(label: label, dimensions: [("outcome", "failure")], factory: factory)
        self.duration = Metrics.Timer(label: "catalog_view_flush_duration_seconds", factory: factory)
    }

    func flushed(error: (any Error)?, duration: Duration) {
        self.duration.record(duration: duration)
        if error == nil {
            self.succeeded.increment()
            self.lastSuccess.withLock { $0 = .now }
        } else {
            self.failed.increment()
        }
    }

    func secondsSinceLastSuccess() -> Double {
        (ContinuousClock.now - self.lastSuccess.withLock { $0 }) / .seconds(1)
    }
}
