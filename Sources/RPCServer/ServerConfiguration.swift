/// How the server listens and the limits it enforces, each with a safe default.
public struct ServerConfiguration: Sendable {
    /// The address to bind; port 0 picks a free port.
    public var host = "127.0.0.1"
    public var port = 7443
    /// The largest frame body accepted; a longer frame is a connection error.
    public var maxFrameSize = 4 * 1024 * 1024
    /// Calls in flight per connection; at the bound the server stops reading from it.
    public var maxInFlightCallsPerConnection = 128
    /// A connection with no call for this long is closed.
    public var idleTimeout: Duration = .seconds(300)
    /// A TLS handshake that takes longer is closed without a frame.
    public var handshakeTimeout: Duration = .seconds(10)
    /// The deadline of a call that sets `timeout_ms` 0.
    public var defaultCallTimeout: Duration = .seconds(30)
    /// At shutdown, in-flight calls get this long to finish before connections are cut.
    public var drainTimeout: Duration = .seconds(30)
    /// How often the store is probed for the Health service.
    public var healthProbeInterval: Duration = .seconds(1)

    public init() {}
}
