import Credentials
import Domain
import Foundation
import Logging
import Storage

/// Builds the identity service over the store, with the Argon2id hasher and the token
/// codec whose key comes from `CATALOG_TOKEN_KEY` or `<data-dir>/token-key`.
struct IdentityWiring {
    let identity: IdentityService
    let hasher: Argon2PasswordHasher

    init(
        store: any AdminStore,
        dataDir: String,
        logger: Logger,
        accessTokenLifetime: TimeInterval = 15 * 60,
        refreshTokenLifetime: TimeInterval = 7 * 24 * 3600,
        observe: @escaping @Sendable (IdentityEvent) -> Void = { _ in }
    ) async throws {
        self.hasher = try Argon2PasswordHasher()
        let key = try TokenKey.load(
            environment: ProcessInfo.processInfo.environment,
            fileInDataDir: (dataDir as NSString).appendingPathComponent("token-key")
        )
        var configuration = IdentityService.Configuration()
        configuration.accessTokenLifetime = accessTokenLifetime
        configuration.refreshTokenLifetime = refreshTokenLifetime
        configuration.securityEvent = { event in logger.warning("security event: \(event)") }
        configuration.observe = observe
        self.identity = IdentityService(
            store: store,
            hasher: self.hasher,
            tokens: try await JWTTokenCodec(key: key),
            configuration: configuration
        )
        try await self.identity.warmUp()
    }

    /// The file holding the first-start superuser's password until it is changed.
    static func initialPasswordPath(dataDir: String) -> String {
        (dataDir as NSString).appendingPathComponent("initial-admin-password")
    }

    func shutdown() async {
        try? await self.hasher.shutdown()
    }
}
