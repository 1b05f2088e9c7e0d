import Domain
import Logging

/// What a handler knows about the call it serves.
public struct CallContext: Sendable {
    /// Who makes the call, as the authenticator established it.
    public var caller: Caller
    /// The client's IP address, for throttling; `nil` when unknown.
    public var clientAddress: String?
    public var logger: Logger

    public init(caller: Caller, clientAddress: String?, logger: Logger) {
        self.caller = caller
        self.clientAddress = clientAddress
        self.logger = logger
    }
}
