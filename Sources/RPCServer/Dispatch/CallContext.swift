import Domain
import Logging

/// What a handler knows about the call it serves.
public struct CallContext: Sendable {
    /// Who makes the call, as the authenticator established it.
    public var caller: Caller
    /// The client's address as limits key it (an IPv6 client by its /64); `nil` when unknown.
    public var clientAddress: String?
    public var logger: Logger
    /// Bounds the store reads of the call's connection (`ServerConfiguration.maxStoreReadsPerConnection`).
    public var connectionReads: WorkLimiter?

    public init(caller: Caller, clientAddress: String?, logger: Logger, connectionReads: WorkLimiter? = nil) {
        self.caller = caller
        self.clientAddress = clientAddress
        self.logger = logger
        self.connectionReads = connectionReads
    }
}
