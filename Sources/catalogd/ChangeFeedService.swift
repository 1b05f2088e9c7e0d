import Domain
import Logging
import ServiceLifecycle
import Storage

/// Applies the changes other daemons on the same PostgreSQL make: their product writes and
/// view flushes reach this daemon's cache, and their admin changes and revoked logins reach
/// its token checks, as soon as they commit.
struct ChangeFeedService: Service {
    let feed: PostgresChangeFeed
    let catalog: ProductCatalog
    let identity: IdentityService
    let logger: Logger

    func run() async throws {
        await cancelWhenGracefulShutdown {
            await self.feed.run { change in
                do {
                    try await self.apply(change)
                } catch {
                    // The next resync (after the feed reconnects) or admin re-read catches up.
                    self.logger.warning("could not apply a change from the database", metadata: ["error": "\(error)"])
                }
            }
        }
    }

    private func apply(_ change: StoreChange) async throws {
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
