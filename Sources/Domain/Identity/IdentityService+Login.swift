import Foundation

extension IdentityService {
    private static var loginFailed: DomainError { DomainError(.unauthenticated, "wrong username or password") }
    private static var invalidRefreshToken: DomainError {
        DomainError(.unauthenticated, "invalid, expired or revoked refresh token; log in again")
    }

    /// Checks a username and password and starts a login.
    ///
    /// A wrong username and a wrong password get the same error after the same work (a
    /// dummy hash is verified for unknown names). Failures are throttled per username,
    /// known or not, and per client address.
    public func login(username: String, password: String, clientAddress: String?) async throws -> TokenPair {
        let now = self.configuration.now()
        let keys = ["user:" + Admin.usernameKey(username)] + (clientAddress.map { ["address:" + $0] } ?? [])
        try self.throttle.check(keys: keys, now: now)
        let admin = try await self.store.admin(username: username)
        let matches = try await self.hasher.verify(password, against: admin?.passwordHash)
        guard matches, let admin else {
            self.throttle.recordFailure(keys: keys, now: now)
            throw Self.loginFailed
        }
        self.throttle.reset(key: keys[0])
        return try await self.issueTokens(for: admin, familyID: UUID()) { record in
            try await self.store.insertRefreshToken(record)
        }
    }

    /// Revokes the presented refresh token and returns a new pair of the same login.
    /// A token presented after it was rotated revokes its whole login family.
    public func refresh(refreshToken: String) async throws -> TokenPair {
        let now = self.configuration.now()
        let replacement = self.tokens.makeRefreshToken()
        let expireTime = now.addingTimeInterval(self.configuration.refreshTokenLifetime)
        let outcome = try await self.store.rotateRefreshToken(
            digest: self.tokens.digest(refreshToken: refreshToken),
            replacementDigest: replacement.digest,
            now: now,
            expireTime: expireTime
        )
        switch outcome {
        case .invalid:
            throw Self.invalidRefreshToken
        case .reused(let adminID, let familyID):
            self.state.revokeFamily(familyID, at: now)
            self.configuration.securityEvent(
                "refresh token reused: revoked login family \(familyID.canonicalText) of admin \(adminID.canonicalText)"
            )
            throw Self.invalidRefreshToken
        case .rotated(let adminID, let familyID, let tokenVersion):
            guard self.state.admin(adminID) != nil else {
                throw Self.invalidRefreshToken
            }
            return try await self.pair(
                for: adminID,
                version: tokenVersion,
                familyID: familyID,
                refresh: replacement.token,
                refreshExpireTime: expireTime
            )
        }
    }

    /// Ends a login: its refresh tokens and, through the family, its access tokens.
    /// A token that was already revoked or expired still ends its login, and is reported
    /// like any invalid token.
    public func logout(refreshToken: String) async throws {
        let now = self.configuration.now()
        guard
            let revoked = try await self.store.revokeRefreshTokenFamily(
                digest: self.tokens.digest(refreshToken: refreshToken),
                now: now
            )
        else {
            throw Self.invalidRefreshToken
        }
        self.state.revokeFamily(revoked.token.familyID, at: now)
        self.state.pruneRevocations(before: now.addingTimeInterval(-self.configuration.accessTokenLifetime))
        guard revoked.wasActive else {
            throw Self.invalidRefreshToken
        }
    }
}
