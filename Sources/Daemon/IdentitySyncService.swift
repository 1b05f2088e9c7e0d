import Domain
import Logging
import ServiceLifecycle

/// Re-reads the admins every interval, so that changes made by another process on the same
/// SQLite file (`catalogd set-password`) end tokens here too. PostgreSQL has the change feed.
/// While the store fails, the re-reads back off (the interval doubled, up to a minute) and a
/// line a minute says how many failed.
struct IdentitySyncService: Service {
    let identity: IdentityService
    let interval: Duration
    /// How the service waits: `Task.sleep`, or a test's virtual time.
    var sleep: @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) }
    let logger: Logger

    func run() async throws {
        await cancelWhenGracefulShutdown {
            var backoff = RetryBackoff(initial: self.interval, maximum: max(self.interval, .seconds(60)))
            var failures = RepeatedFailureLog()
            var wait = self.interval
            while !Task.isCancelled {
                do {
                    try await self.sleep(wait)
                    try await self.identity.syncFromStore()
                    backoff.succeeded()
                    wait = self.interval
                    if let failed = failures.succeeded() {
                        self.logger.info("re-read the admins again", metadata: ["failures": "\(failed)"])
                    }
                } catch is CancellationError {
                    return
                } catch {
                    wait = backoff.failed()
                    if case .log(let count) = failures.failed(at: .now) {
                        self.logger.warning(
                            "could not re-read the admins",
                            metadata: ["error": "\(error)", "failures": "\(count)", "retry_in": "\(wait)"]
                        )
                    }
                }
            }
        }
    }
}
