import Foundation

extension IdentityService {
    private static var loginFailed: DomainError { DomainError(.unauthenticated, "wrong username or password") }
    private static var invalidRefreshToken: DomainError {
        DomainError(.unauthenticated, "invalid, expired or revoked refresh token; log in again")
    }

    /// Checks a username and password and starts a login.
    ///
    /// A wrong username and a wrong password get the same error after the same work (a
    /// dummy hash is verified for unknown names). A failure is reserved in the throttle
    /// before the password is checked, so attempts sent at once are throttled like attempts
    /// in a row; one that never checked a password (hashing queue full, store unavailable)
    /// gives it back.
    /// - Parameter clientAddress: the throttle's key for the caller's address (an IPv6
    ///   client's /64), or `nil` when there is none.
    public func login(username: String, password: String, clientAddress: String?) async throws -> TokenPair {
        // Before any work: no such username can exist, and the throttle never keeps one this long.
        guard username.utf8.count <= AdminValidation.usernameLength.upperBound else {
            throw DomainError.invalid([AdminValidation.usernameViolation])
        }
        let admin = try await self.checkPasswordThrottled(
            password,
            username: username,
            clientAddress: clientAddress,
            throttled: { self.configuration.observe(.login(.throttled)) },
            lookup: { try await self.store.admin(username: username) }
        )
        guard let admin else {
            self.configuration.observe(.login(.failed))
            throw Self.loginFailed
        }
        let pair = try await self.issueTokens(for: admin, familyID: UUID()) { record in
            try await self.store.insertRefreshToken(record)
        }
        self.configuration.observe(.login(.succeeded))
        return pair
    }

    /// Checks `password` against the admin `lookup` finds, within the login throttle: a failure
    /// is reserved for `username` (and `clientAddress`) before the check, and given back when the
    /// password matches or no password was checked (the store or the hashing queue refused).
    /// - Parameter throttled: called when the throttle refuses, before it throws.
    /// - Returns: the admin when the password is theirs; `nil` for a wrong password or no admin.
    func checkPasswordThrottled(
        _ password: String,
        username: String,
        clientAddress: String?,
        throttled: () -> Void = {},
        lookup: () async throws -> Admin?
    ) async throws -> Admin? {
        let reservation: LoginThrottleState.Reservation
        do {
            reservation = try self.throttle.reserve(
                username: Admin.usernameKey(username),
                address: clientAddress,
                now: self.configuration.now()
            )
        } catch {
            throttled()
            throw error
        }
        let admin: Admin?
        let matches: Bool
        do {
            admin = try await lookup()
            matches = try await self.hasher.verify(password, against: admin?.passwordHash)
        } catch {
            self.throttle.release(reservation)
            throw error
        }
        guard matches, let admin else { return nil }
        self.throttle.succeeded(reservation)
        return admin
    }

    /// Revokes the presented refresh token and returns a new pair of the same login.
    /// A token presented after it was rotated revokes its whole login family.
    ///
    /// Anonymous callers may send any token, so a token that cannot be live costs no write: one
    /// not of the issued shape costs nothing, one never issued a read (`refreshTokenExists`), and
    /// either counts as a failure against the caller's address (`refreshThrottle`). The writes
    /// that remain go through `tokenWrites`, a daemon-wide bound.
    public func refresh(refreshToken: String, clientAddress: String?) async throws -> TokenPair {
        let now = self.configuration.now()
        let digest = try await self.knownRefreshToken(refreshToken, clientAddress: clientAddress, now: now) {
            self.configuration.observe(.refresh($0))
        }
        let replacement = self.tokens.makeRefreshToken()
        let expireTime = now.addingTimeInterval(self.configuration.refreshTokenLifetime)
        let outcome = try await self.tokenWrites.run {
            try await self.store.rotateRefreshToken(
                digest: digest,
                replacementDigest: replacement.digest,
                now: now,
                expireTime: expireTime
            )
        }
        switch outcome {
        case .invalid:
            self.configuration.observe(.refresh(.invalid))
            throw Self.invalidRefreshToken
        case .reused(let adminID, let familyID):
            self.configuration.observe(.refresh(.reused))
            self.state.revokeFamily(familyID, at: now)
            self.configuration.securityEvent(
                "refresh token reused: revoked login family \(familyID.canonicalText) of admin \(adminID.canonicalText)"
            )
            throw Self.invalidRefreshToken
        case .rotated(let adminID, let familyID, let tokenVersion):
            guard self.state.admin(adminID) != nil else {
                self.configuration.observe(.refresh(.invalid))
                throw Self.invalidRefreshToken
            }
            self.configuration.observe(.refresh(.rotated))
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
    public func logout(refreshToken: String, clientAddress: String?) async throws {
        let now = self.configuration.now()
        let digest = try await self.knownRefreshToken(refreshToken, clientAddress: clientAddress, now: now) { _ in }
        guard
            let revoked = try await self.tokenWrites.run({
                try await self.store.revokeRefreshTokenFamily(digest: digest, now: now)
            })
        else {
            throw Self.invalidRefreshToken
        }
        self.state.revokeFamily(revoked.token.familyID, at: now)
        self.state.pruneRevocations(before: now.addingTimeInterval(-self.configuration.accessTokenLifetime))
        guard revoked.wasActive else {
            throw Self.invalidRefreshToken
        }
    }

    /// The digest of `refreshToken` once it is known to have been issued, found without a write.
    /// A token of another shape is refused at once; one never issued (a read) counts a failure
    /// against `clientAddress`, whose failures past `refreshThrottle` are refused before any read.
    /// - Parameter refused: told why a token was refused (Refresh counts it in its metrics).
    private func knownRefreshToken(
        _ refreshToken: String,
        clientAddress: String?,
        now: Date,
        refused: (IdentityEvent.RefreshOutcome) -> Void
    ) async throws -> String {
        guard self.tokens.isIssuedShape(refreshToken: refreshToken) else {
            refused(.invalid)
            throw Self.invalidRefreshToken
        }
        let reservation: LoginThrottleState.Reservation
        do {
            reservation = try self.refreshThrottle.reserve(username: nil, address: clientAddress, now: now)
        } catch {
            refused(.throttled)
            throw error
        }
        let digest = self.tokens.digest(refreshToken: refreshToken)
        let exists: Bool
        do {
            exists = try await self.store.refreshTokenExists(digest: digest)
        } catch {
            self.refreshThrottle.release(reservation)
            throw error
        }
        guard exists else {
            refused(.invalid)
            throw Self.invalidRefreshToken
        }
        // Issued: whatever the write finds (live, expired, reused), no stranger's guess.
        self.refreshThrottle.release(reservation)
        return digest
    }
}
