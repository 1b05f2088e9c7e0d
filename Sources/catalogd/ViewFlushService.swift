import Domain
import Logging
import ServiceLifecycle

/// Flushes counted views every interval and once more at shutdown. It is listed before the
/// server, so it stops after the server has drained: the final flush holds every view.
struct ViewFlushService: Service {
    let catalog: ProductCatalog
    let interval: Duration
    let logger: Logger

    func run() async throws {
        await cancelWhenGracefulShutdown {
            await self.catalog.flushViewsPeriodically(every: self.interval) { error in
                self.logger.warning(
                    "view flush failed; the counts are kept for the next one",
                    metadata: ["error": "\(error)"]
                )
            }
        }
        do {
            try await self.catalog.flushViews()
            self.logger.info("views flushed")
        } catch {
            self.logger.error("final view flush failed", metadata: ["error": "\(error)"])
            throw error
        }
    }
}
