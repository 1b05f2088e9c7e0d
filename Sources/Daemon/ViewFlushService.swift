import Domain
import Logging
import ServiceLifecycle
import Synchronization

/// Flushes counted views every interval and as each UTC hour begins, and once more at
/// shutdown; folds the hourly buckets past the retention at start and every hour. It is
/// listed before the server, so it stops after the server has drained: the final flush holds
/// every view.
struct ViewFlushService: Service {
    let catalog: ProductCatalog
    let reports: ViewReports
    let interval: Duration
    /// Told of each periodic flush; `nil` with metrics off.
    let metrics: ViewFlushMetrics?
    let logger: Logger

    func run() async throws {
        await self.foldExpiredHours()
        // An outage fails every flush: one line a minute says so, with how many failed.
        let failures = Mutex(RepeatedFailureLog())
        await cancelWhenGracefulShutdown {
            await self.catalog.flushViewsPeriodically(
                every: self.interval,
                hourBegan: { await self.foldExpiredHours() },
                flushed: { error, duration in
                    self.metrics?.flushed(error: error, duration: duration)
                    guard let error else {
                        if let failed = failures.withLock({ $0.succeeded() }) {
                            self.logger.info("views flushed again", metadata: ["failed_flushes": "\(failed)"])
                        }
                        return
                    }
                    if case .log(let count) = failures.withLock({ $0.failed(at: .now) }) {
                        self.logger.warning(
                            "view flush failed; the counts are kept for the next one",
                            metadata: ["error": "\(error)", "failed_flushes": "\(count)"]
                        )
                    }
                }
            )
        }
        do {
            try await self.catalog.flushViews()
            self.logger.info("views flushed")
        } catch {
            self.logger.error("final view flush failed", metadata: ["error": "\(error)"])
            throw error
        }
    }

    /// A failed fold is only logged: the hours stay as they are until the next hour's fold.
    private func foldExpiredHours() async {
        do {
            let folded = try await self.reports.foldExpiredHours()
            if folded > 0 {
                self.logger.info("hourly view buckets folded into days", metadata: ["buckets": "\(folded)"])
            }
        } catch {
            self.logger.warning("folding hourly view buckets failed", metadata: ["error": "\(error)"])
        }
    }
}
