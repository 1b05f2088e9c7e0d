public import Foundation

/// Slow salted password hashing (Argon2id). Implementations run the work off event loops
/// and the cooperative pool, on a bounded pool of their own.
public protocol PasswordHasher: Sendable {
    /// A PHC string for `password`.
    func hash(_ password: String) async throws -> String

    /// Whether `password` matches `hash`. A `nil` hash verifies against a dummy of the same
    /// cost and returns false, so an unknown username costs as much as a wrong password.
    func verify(_ password: String, against hash: String?) async throws -> Bool
}

/// The claims of an access token.
public struct AccessClaims: Sendable, Hashable {
    public var adminID: UUID
    /// The login the token belongs to; revoking the family ends the token.
    public var familyID: UUID
    /// The admin's token version when it was issued; a password change raises it.
    public var tokenVersion: Int64
    public var tokenID: UUID
    public var issueTime: Date
    public var expireTime: Date

    public init(adminID: UUID, familyID: UUID, tokenVersion: Int64, tokenID: UUID, issueTime: Date, expireTime: Date) {
        self.adminID = adminID
        self.familyID = familyID
        self.tokenVersion = tokenVersion
        self.tokenID = tokenID
        self.issueTime = issueTime
        self.expireTime = expireTime
    }
}

/// Token cryptography: signed access tokens (JWT) and opaque refresh tokens with digests.
public protocol TokenCodec: Sendable {
    func signAccessToken(_ claims: AccessClaims) async throws -> String

    /// The claims of a token whose signature, algorithm, issuer and audience check out.
    /// Expiry is checked by the caller against its own clock.
    /// - Throws: `DomainError` `unauthenticated` for any other token.
    func verifyAccessToken(_ token: String) async throws -> AccessClaims

    /// A new refresh token (256 random bits) and the digest that is stored instead of it.
    func makeRefreshToken() -> (token: String, digest: String)

    /// The stored digest of a presented refresh token.
    func digest(refreshToken: String) -> String

    /// Whether `refreshToken` has the shape `makeRefreshToken` gives: a token of any other shape
    /// was never issued, and is refused without a look in the store.
    func isIssuedShape(refreshToken: String) -> Bool
}
