import Domain
import Foundation
import Logging
import Metrics
import ServiceLifecycle

/// Applies the changes other daemons on the same PostgreSQL make: their product writes and
/// view flushes reach this daemon's cache, and their admin changes and revoked logins reach
/// its token checks, as soon as they commit.
struct ChangeFeedService: Service {
    let feed: any StoreChangeFeed
    /// Applies one change to this daemon's memory (`StoreChangeApplier` in the daemon).
    let apply: @Sendable (StoreChange) async throws -> Void
    /// How long a failed change waits before everything is reloaded instead: the first wait,
    /// doubled at each failure in a row up to the maximum.
    var retryBackoff = RetryBackoff(initial: .seconds(1), maximum: .seconds(30))
    /// How the retry waits: `Task.sleep`, or a test's record of the waits.
    var sleep: @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) }
    /// The wall clock a change's lag is measured on, against its announcement's time.
    var now: @Sendable () -> Date = { Date() }
    /// Counts the changes applied, by kind, and the failures that turned into a reload; times
    /// the lag of those announced with a time.
    var metrics: any MetricsFactory = NOOPMetricsHandler.instance
    let logger: Logger

    func run() async throws {
        await cancelWhenGracefulShutdown {
            await self.feed.listen { heard in
                await self.applyUntilDone(heard)
            }
        }
    }

    /// Applies `change`; when that fails (the database did not answer the re-read), reloads
    /// everything instead, backing off (`retryBackoff`) until it succeeds, and logs a line a
    /// minute while it fails. A change heard but not applied
    /// would otherwise leave its product or admin stale until it changed again: the feed's own
    /// resync comes only when its connection drops, and that connection may be fine. Later
    /// changes wait meanwhile, in order.
    func applyUntilDone(_ heard: HeardChange) async {
        var change = heard.change
        var backoff = self.retryBackoff
        var failures = RepeatedFailureLog()
        while !Task.isCancelled {
            do {
                try await self.apply(change)
                if let announcedAt = heard.announcedAt {
                    self.recordLag(since: announcedAt)
                }
                Counter(
                    label: "catalog_change_feed_changes_total",
                    dimensions: [("kind", change.kind)],
                    factory: self.metrics
                )
                .increment()
                if let failed = failures.succeeded() {
                    self.logger.info("reloaded everything from the database", metadata: ["failures": "\(failed)"])
                }
                return
            } catch {
                if Task.isCancelled { return }
                Counter(label: "catalog_change_feed_apply_failures_total", factory: self.metrics).increment()
                let delay = backoff.failed()
                if case .log(let count) = failures.failed(at: .now) {
                    self.logger.warning(
                        "could not apply a change from the database; reloading everything until it answers",
                        metadata: ["error": "\(error)", "failures": "\(count)", "retry_in": "\(delay)"]
                    )
                }
                change = .resync
                guard (try? await self.sleep(delay)) != nil else { return }
            }
        }
    }
}

extension ChangeFeedService {
    /// Records how long after its announcement a change took effect here: delivery, the wait
    /// behind earlier changes and the re-read. Measured across two hosts' clocks (the database's
    /// and this one's), so clock skew shows in it; a negative lag (this clock behind) counts as 0.
    func recordLag(since announcedAt: Date) {
        let seconds = max(0, self.now().timeIntervalSince(announcedAt))
        Metrics.Timer(label: "catalog_change_feed_lag_seconds", factory: self.metrics)
            .recordSeconds(seconds)
    }
}

/// Applies a change from the feed to the catalog's cache and the identity service's memory.
struct StoreChangeApplier: Sendable {
    let catalog: ProductCatalog
    let identity: IdentityService

    func apply(_ change: StoreChange) async throws {
        switch change {
        case .product(let sku):
            try await self.catalog.refreshProduct(sku: sku)
        case .viewTotals(let totals):
            self.catalog.applyViewTotals(totals)
        case .admins:
            try await self.identity.syncFromStore()
        case .resync:
            try await self.catalog.reload()
            try await self.identity.syncFromStore()
        }
    }
}

extension StoreChange {
    /// The change's kind, as the metrics label it.
    var kind: String {
        switch self {
        case .product: "product"
        case .viewTotals: "view_totals"
        case .admins: "admins"
        case .resync: "resync"
        }
    }
}
