import Domain
import Logging

/// What a handler knows about the call it serves.
public struct CallContext: Sendable {
    /// Who makes the call, as the authenticator established it.
    public var caller: Caller
    /// Carries the call id and method as metadata.
    public var logger: Logger
}
