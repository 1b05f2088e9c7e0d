public import Foundation

/// Admins, logins and the authentication of calls (PROTOCOL.md sections 6 and 7).
///
/// Whether a token still works is decided from memory (`TokenState`): a call never reads
/// the database to authenticate. Writes that end tokens (password change, deletion,
/// logout, reuse of a rotated refresh token) update that memory as they commit.
public final class IdentityService: Sendable {
    public struct Configuration: Sendable {
        public var accessTokenLifetime: TimeInterval = 15 * 60
        public var refreshTokenLifetime: TimeInterval = 7 * 24 * 3600
        /// Failed logins allowed per username, per client address and per both.
        var loginThrottle = LoginThrottleRules()
        /// Failed refreshes and logouts (a token that is not live) allowed per client address.
        public var refreshThrottle = LoginThrottleRules.Limit(failures: 20, window: 60)
        /// Refreshes and logouts writing to the store at once, daemon-wide, and waiting behind them
        /// before RESOURCE_EXHAUSTED: anonymous callers cannot queue the store's writer.
        var maxTokenWrites = 4
        var maxTokenWritesWaiting = 32
        /// The clock; tests move it.
        public var now: @Sendable () -> Date = { Timestamp.now() }
        /// Told of events an operator must see, such as a reused refresh token.
        public var securityEvent: @Sendable (String) -> Void = { _ in }
        /// Told of every login's and refresh's outcome, for the metrics.
        public var observe: @Sendable (IdentityEvent) -> Void = { _ in }

        public init() {}
    }

    /// The username of the superuser made at first start.
    public static let initialSuperuserName = "admin"

    let store: any AdminStore
    let hasher: any PasswordHasher
    let tokens: any TokenCodec
    let configuration: Configuration
    let state = TokenState()
    let throttle: LoginThrottle
    /// Per address only: a refresh names no username.
    let refreshThrottle: LoginThrottle
    let tokenWrites: WorkLimiter

    public init(
        store: any AdminStore,
        hasher: any PasswordHasher,
        tokens: any TokenCodec,
        configuration: Configuration = Configuration()
    ) {
        self.store = store
        self.hasher = hasher
        self.tokens = tokens
        self.configuration = configuration
        self.throttle = LoginThrottle(rules: configuration.loginThrottle)
        var refreshRules = configuration.loginThrottle
        refreshRules.address = configuration.refreshThrottle
        self.refreshThrottle = LoginThrottle(rules: refreshRules, attempts: "refreshes and logouts")
        self.tokenWrites = WorkLimiter(
            maxRunning: configuration.maxTokenWrites,
            maxWaiting: configuration.maxTokenWritesWaiting,
            refusal: "too many token refreshes and logouts at once; try again shortly"
        )
    }

    /// Loads the token state from the store; call once before serving.
    public func warmUp() async throws {
        try await self.syncFromStore()
    }

    /// Brings the token state up to date with the store: admins changed or deleted and
    /// logins revoked by another process (`catalogd set-password`, another daemon) take
    /// effect here too.
    public func syncFromStore() async throws {
        let admins = try await self.store.loadAdmins()
        self.state.replaceAdmins(admins)
        let now = self.configuration.now()
        // Older revocations cannot matter: every access token of those families has expired.
        for family in try await self.store.revokedFamilies(
            since: now.addingTimeInterval(-self.configuration.accessTokenLifetime)
        ) {
            self.state.revokeFamily(family, at: now)
        }
    }

    // MARK: Authenticating calls

    /// The caller a bearer token names when its claims were verified before; `nil` when
    /// the token must first be verified (`verifiedCaller`). Answers from memory only.
    /// - Throws: `unauthenticated` for an expired or revoked token.
    func cachedCaller(bearerToken: String) throws(DomainError) -> Caller? {
        try self.checkedCaller(bearerToken: bearerToken)?.caller
    }

    /// A caller checked from memory, and what the check rested on, so that a connection can
    /// reuse it for the same token while `stillHolds` says so.
    public struct CheckedCaller: Sendable {
        public let caller: Caller
        /// The identity state's changes when the check began.
        fileprivate let generation: UInt64
        fileprivate let expireTime: Date
    }

    /// As `cachedCaller`, with the check for `stillHolds`.
    public func checkedCaller(bearerToken: String) throws(DomainError) -> CheckedCaller? {
        let generation = self.state.generation
        guard let claims = self.state.verifiedClaims(bearerToken) else { return nil }
        let caller = try self.caller(for: claims)
        return CheckedCaller(caller: caller, generation: generation, expireTime: claims.expireTime)
    }

    /// Whether `check` still holds: nothing that can end a token changed since it began (no
    /// admin changed or removed, no login revoked), and the token has not expired. A call may
    /// then skip checking the same token again; every other answer means check it again.
    public func stillHolds(_ check: CheckedCaller) -> Bool {
        check.generation == self.state.generation && check.expireTime > self.configuration.now()
    }

    /// Verifies a token's signature and claims, remembers them, and returns its caller.
    /// - Throws: `unauthenticated` for any token that does not hold.
    public func verifiedCaller(bearerToken: String) async throws -> Caller {
        let claims = try await self.tokens.verifyAccessToken(bearerToken)
        let caller = try self.caller(for: claims)
        self.state.rememberVerified(bearerToken, claims)
        return caller
    }

    private func caller(for claims: AccessClaims) throws(DomainError) -> Caller {
        guard claims.expireTime > self.configuration.now() else {
            throw DomainError(.unauthenticated, "access token expired; refresh it or log in again")
        }
        guard let admin = self.state.admin(claims.adminID), admin.tokenVersion == claims.tokenVersion,
            !self.state.isRevoked(claims.familyID)
        else {
            throw DomainError(.unauthenticated, "access token revoked; log in again")
        }
        return .admin(AdminIdentity(id: claims.adminID, username: admin.username))
    }

    // MARK: Tokens

    /// A new token pair for `admin` in `familyID`, the refresh token's digest stored by `store`.
    func issueTokens(
        for admin: Admin,
        familyID: UUID,
        store: (RefreshTokenRecord) async throws -> Void
    ) async throws -> TokenPair {
        let now = self.configuration.now()
        let refresh = self.tokens.makeRefreshToken()
        let record = RefreshTokenRecord(
            digest: refresh.digest,
            adminID: admin.id,
            familyID: familyID,
            tokenVersion: admin.tokenVersion,
            createTime: now,
            expireTime: now.addingTimeInterval(self.configuration.refreshTokenLifetime)
        )
        try await store(record)
        return try await self.pair(
            for: admin.id,
            version: admin.tokenVersion,
            familyID: familyID,
            refresh: refresh.token,
            refreshExpireTime: record.expireTime
        )
    }

    func pair(
        for adminID: UUID,
        version: Int64,
        familyID: UUID,
        refresh: String,
        refreshExpireTime: Date
    ) async throws -> TokenPair {
        let now = self.configuration.now()
        let claims = AccessClaims(
            adminID: adminID,
            familyID: familyID,
            tokenVersion: version,
            tokenID: UUID(),
            issueTime: now,
            expireTime: now.addingTimeInterval(self.configuration.accessTokenLifetime)
        )
        return TokenPair(
            accessToken: try await self.tokens.signAccessToken(claims),
            accessExpireTime: claims.expireTime,
            refreshToken: refresh,
            refreshExpireTime: refreshExpireTime
        )
    }
}
