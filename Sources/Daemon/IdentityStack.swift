import Credentials
public import Domain
import Foundation
public import Logging
public import Storage

/// The identity service over the store, with the Argon2id hasher and the token codec whose key
/// comes from `CATALOG_TOKEN_KEY` or `<data-dir>/token-key`: what `catalogd serve` and the host
/// commands (create-superuser, set-password) authenticate with.
public struct IdentityStack: Sendable {
    public let identity: IdentityService
    private let hasher: Argon2PasswordHasher

    /// - Parameter configuration: its lifetimes and rules; security events go to `logger`.
    public init(
        store: any AdminStore,
        dataDir: String,
        configuration: IdentityService.Configuration = IdentityService.Configuration(),
        logger: Logger
    ) async throws {
        self.hasher = try Argon2PasswordHasher()
        let key = try TokenKey.load(
            environment: ProcessInfo.processInfo.environment,
            fileInDataDir: (dataDir as NSString).appendingPathComponent("token-key")
        )
        var configuration = configuration
        configuration.securityEvent = { event in logger.warning("security event: \(event)") }
        self.identity = IdentityService(
            store: store,
            hasher: self.hasher,
            tokens: try await JWTTokenCodec(key: key),
            configuration: configuration
        )
        try await self.identity.warmUp()
    }

    /// Opens the store at `location`, runs `body` with the identity service over it, and shuts
    /// the hasher down however `body` ends: the host commands' whole setup.
    /// - Parameter timeout: how long a call waits for PostgreSQL (`--database-timeout`).
    public static func withIdentity<Result: Sendable>(
        at location: StoreLocation,
        timeout: Duration,
        dataDir: String,
        logger: Logger,
        _ body: (IdentityService) async throws -> Result
    ) async throws -> Result {
        try await location.withStore(timeout: timeout, logger: logger) { opened in
            let stack = try await IdentityStack(store: opened.store, dataDir: dataDir, logger: logger)
            do {
                let result = try await body(stack.identity)
                await stack.shutdown()
                return result
            } catch {
                await stack.shutdown()
                throw error
            }
        }
    }

    public func shutdown() async {
        try? await self.hasher.shutdown()
    }
}
