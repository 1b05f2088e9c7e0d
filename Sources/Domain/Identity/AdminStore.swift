public import Foundation

/// Where admins and refresh tokens live durably. `Storage` implements it.
public protocol AdminStore: Sendable {
    /// Every admin, for the in-memory token state.
    func loadAdmins() async throws -> [Admin]

    func admin(id: UUID) async throws -> Admin?

    /// The admin whose username matches case-insensitively.
    func admin(username: String) async throws -> Admin?

    /// Up to `limit` admins with an id greater than `after`, ordered by id.
    func listAdmins(after: UUID?, limit: Int) async throws -> [Admin]

    /// - Throws: `DomainError` `alreadyExists` when the username is taken in any case.
    func insertAdmin(_ admin: Admin) async throws

    /// Replaces the admin with `change(current)` in one transaction.
    /// - Throws: `notFound`, `alreadyExists` for a taken username, or what `change` throws.
    func updateAdmin(id: UUID, _ change: @escaping @Sendable (Admin) throws -> Admin) async throws -> Admin

    /// Deletes the admin and their refresh tokens after `check(current)` passes.
    func deleteAdmin(id: UUID, _ check: @escaping @Sendable (Admin) throws -> Void) async throws -> Admin

    /// Stores a new refresh token (its digest only).
    func insertRefreshToken(_ token: RefreshTokenRecord) async throws

    /// Whether a token with `digest` was ever issued (live or not): a read, so that a refresh or
    /// logout with a token nobody issued costs no write.
    func refreshTokenExists(digest: String) async throws -> Bool

    /// In one transaction: revokes the token with `digest` and stores a token with
    /// `replacementDigest` in its family, for its admin, expiring at `expireTime` — unless the
    /// token is unknown, expired, already revoked, or older than the admin's current token
    /// version (see `RotationOutcome`). Presenting an already revoked token revokes its
    /// whole family.
    func rotateRefreshToken(
        digest: String,
        replacementDigest: String,
        now: Date,
        expireTime: Date
    ) async throws -> RotationOutcome

    /// Revokes every token of the family of the token with `digest`. Returns the token, and
    /// whether it was still active (neither revoked nor expired); `nil` for an unknown token.
    func revokeRefreshTokenFamily(
        digest: String,
        now: Date
    ) async throws -> (token: RefreshTokenRecord, wasActive: Bool)?

    /// Families revoked as a whole (logout, reuse) after `since`: a token of theirs was revoked
    /// then and none is live. A rotation revokes one token but leaves its replacement live, so
    /// it does not count. Their access tokens may still be unexpired.
    func revokedFamilies(since: Date) async throws -> [UUID]
}

/// A stored refresh token: never the token itself, only its SHA-256 digest.
public struct RefreshTokenRecord: Sendable, Hashable {
    public var digest: String
    public var adminID: UUID
    /// One login and every token rotated from it.
    public var familyID: UUID
    /// The admin's token version at issue; once the admin's version moves on, the token is dead.
    public var tokenVersion: Int64
    public var createTime: Date
    public var expireTime: Date

    public init(digest: String, adminID: UUID, familyID: UUID, tokenVersion: Int64, createTime: Date, expireTime: Date)
    {
        self.digest = digest
        self.adminID = adminID
        self.familyID = familyID
        self.tokenVersion = tokenVersion
        self.createTime = createTime
        self.expireTime = expireTime
    }
}

/// What presenting a refresh token did.
public enum RotationOutcome: Sendable, Hashable {
    /// Revoked and replaced; the token belonged to this admin and family, and the admin is
    /// at `tokenVersion` now.
    case rotated(adminID: UUID, familyID: UUID, tokenVersion: Int64)
    /// No such token, or it expired.
    case invalid
    /// The token had been rotated or revoked before: its whole family is now revoked.
    case reused(adminID: UUID, familyID: UUID)
}
