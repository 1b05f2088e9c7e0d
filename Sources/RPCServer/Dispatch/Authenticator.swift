import Domain

/// Turns a call's `authorization` metadata into a caller. Runs on the event loop for
/// every call, so it must answer from memory.
public protocol Authenticator: Sendable {
    /// - Parameter authorization: the metadata value, `nil` when the call has none.
    /// - Throws: `DomainError` `unauthenticated` for a present but invalid credential; it is
    ///   never treated as anonymous.
    func caller(authorization: String?) throws(DomainError) -> Caller
}

/// The authenticator until admin login exists: every caller without credentials is
/// anonymous, and every credential is refused, so no write can be made.
public struct AnonymousOnlyAuthenticator: Authenticator {
    public init() {}

    public func caller(authorization: String?) throws(DomainError) -> Caller {
        guard authorization == nil else {
            throw DomainError(.unauthenticated, "invalid access token")
        }
        return .anonymous
    }
}
