public import Domain
public import Logging

/// What a handler knows about the call it serves.
///
/// A class, made once per connection and caller (`CallDispatcher`): handing it to a handler
/// retains one reference, where a struct would retain each of its parts (the logger's several)
/// on every call.
public final class CallContext: Sendable {
    /// Who makes the call, as the authenticator established it.
    public let caller: Caller
    /// The client's address as limits key it (an IPv6 client by its /64); `nil` when unknown.
    public let clientAddress: String?
    public let logger: Logger
    /// Bounds the store reads of the call's connection (`ServerConfiguration.maxStoreReadsPerConnection`).
    let connectionReads: WorkLimiter?

    public init(caller: Caller, clientAddress: String?, logger: Logger, connectionReads: WorkLimiter? = nil) {
        self.caller = caller
        self.clientAddress = clientAddress
        self.logger = logger
        self.connectionReads = connectionReads
    }
}
