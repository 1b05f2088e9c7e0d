import Domain

/// How a call's credentials resolve: at once from memory, or after a verification that
/// needs work off the event loop (a token not seen before).
public enum Authentication: Sendable {
    case caller(Caller)
    case verify(@Sendable () async throws -> Caller)
}

/// Turns a call's `authorization` metadata into a caller. Runs on the event loop for every
/// call, so it answers from memory whenever it can.
public protocol Authenticator: Sendable {
    /// - Parameter authorization: the metadata value, `nil` when the call has none.
    /// - Throws: `DomainError` `unauthenticated` for a present but invalid credential; it is
    ///   never treated as anonymous.
    func authenticate(authorization: String?) throws(DomainError) -> Authentication
}

/// Bearer access tokens checked by the identity service: signature verified once per token,
/// then expiry, revocation and the admin's token version checked from memory on every call.
public struct TokenAuthenticator: Authenticator {
    /// "bearer ", matched with its letters in any case.
    private static let scheme = Array("bearer ".utf8)
    private let identity: IdentityService

    public init(identity: IdentityService) {
        self.identity = identity
    }

    public func authenticate(authorization: String?) throws(DomainError) -> Authentication {
        guard let authorization else {
            return .caller(.anonymous)
        }
        // Compared as bytes: this runs on every admin call, and counting or lower-casing the
        // Characters of a long token costs more than the rest of the check.
        let bytes = authorization.utf8
        guard bytes.count > Self.scheme.count,
            zip(bytes.prefix(Self.scheme.count), Self.scheme).allSatisfy({ $0 == $1 || ($1 >= 0x61 && $0 | 0x20 == $1) }
            )
        else {
            throw DomainError(.unauthenticated, "authorization must be \"Bearer <access token>\"")
        }
        let token = String(Substring(bytes.dropFirst(Self.scheme.count)))
        if let caller = try self.identity.cachedCaller(bearerToken: token) {
            return .caller(caller)
        }
        return .verify { [identity] in try await identity.verifiedCaller(bearerToken: token) }
    }
}
