import Domain
import Logging
import ServiceLifecycle

/// Re-reads the admins every interval, so that changes made by another process on the same
/// SQLite file (`catalogd set-password`) end tokens here too. PostgreSQL has the change feed.
struct IdentitySyncService: Service {
    let identity: IdentityService
    let interval: Duration
    let logger: Logger

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    try await Task.sleep(for: self.interval)
                    try await self.identity.syncFromStore()
                } catch is CancellationError {
                    return
                } catch {
                    self.logger.warning("could not re-read the admins", metadata: ["error": "\(error)"])
                }
            }
        }
    }
}
