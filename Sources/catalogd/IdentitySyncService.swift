import Domain
import Logging
import ServiceLifecycle

/// Re-reads the admins every interval, so that changes made by another process
/// (`catalogd set-password`, another daemon on the same database) end tokens here too.
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
