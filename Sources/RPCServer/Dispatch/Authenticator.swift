public import Codec
public import Domain

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

    /// As `authenticate(authorization:)` of the request's, for the calls of one connection:
    /// `memo` is the connection's, kept between its calls, so that an authenticator may skip
    /// checking again what it checked for the call before (the same token, nothing changed since).
    func authenticate(_ request: RequestEnvelope, memo: inout AuthenticationMemo?) throws(DomainError) -> Authentication
}

extension Authenticator {
    /// Remembers nothing: every call is authenticated afresh.
    public func authenticate(
        _ request: RequestEnvelope,
        memo: inout AuthenticationMemo?
    ) throws(DomainError) -> Authentication {
        try self.authenticate(authorization: request.authorization)
    }
}

/// What a connection remembers of its last admin call's authentication.
public struct AuthenticationMemo: Sendable {
    /// The `authorization` entry's UTF-8, which the next call's is compared with in its frame.
    let authorization: [UInt8]
    let check: IdentityService.CheckedCaller
}

/// Bearer access tokens checked by the identity service: signature verified once per token,
/// then expiry, revocation and the admin's token version checked from memory on every call,
/// or once per connection while nothing changes (`authenticate(_:memo:)`).
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
        return try self.check(authorization).authentication
    }

    /// A connection's next call with the same authorization is the same caller while the
    /// identity service says the check still holds (no admin or login changed since, the token
    /// unexpired): comparing the header in the frame costs a fraction of looking the token up
    /// and checking it.
    public func authenticate(
        _ request: RequestEnvelope,
        memo: inout AuthenticationMemo?
    ) throws(DomainError) -> Authentication {
        guard request.hasAuthorization else {
            return .caller(.anonymous)
        }
        if let last = memo, request.authorizationIs(last.authorization), self.identity.stillHolds(last.check) {
            return .caller(last.check.caller)
        }
        memo = nil
        // Made text only now that the memo missed; present, as checked above.
        let authorization = request.authorization ?? ""
        let (authentication, check) = try self.check(authorization)
        if let check {
            memo = AuthenticationMemo(authorization: Array(authorization.utf8), check: check)
        }
        return authentication
    }

    /// Checks a present `authorization`: from memory when the token was verified before (with
    /// the check to remember), else the verification to run off the event loop.
    private func check(
        _ authorization: String
    ) throws(DomainError) -> (authentication: Authentication, check: IdentityService.CheckedCaller?) {
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
        if let check = try self.identity.checkedCaller(bearerToken: token) {
            return (.caller(check.caller), check)
        }
        return (.verify { [identity] in try await identity.verifiedCaller(bearerToken: token) }, nil)
    }
}
