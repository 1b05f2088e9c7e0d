import Codec
import NIOCore

#if canImport(Glibc)
import Glibc
#endif

/// How the server listens and the limits it enforces, each with a safe default
/// (docs/PROTOCOL.md section 10 lists them for clients).
public struct ServerConfiguration: Sendable {
    /// The address to bind; port 0 picks a free port.
    public var host = "127.0.0.1"
    public var port = 7443
    /// The largest frame body accepted; a longer frame is a connection error.
    public var maxFrameSize = 4 * 1024 * 1024
    /// Calls in flight per connection; at the bound the server stops reading from it.
    public var maxInFlightCallsPerConnection = 128
    /// Connections open at once; past it a new connection is answered RESOURCE_EXHAUSTED and closed.
    public var maxConnections = ServerConfiguration.defaultMaxConnections()
    /// Connections open at once from one client address (an IPv6 client's /64).
    public var maxConnectionsPerAddress = 64
    /// A connection with no call for this long is closed.
    public var idleTimeout: Duration = .seconds(300)
    /// A TLS handshake that takes longer is closed without a frame.
    public var handshakeTimeout: Duration = .seconds(10)
    /// A frame whose first bytes arrived this long ago and is still incomplete closes the connection.
    public var frameTimeout: Duration = .seconds(10)
    /// Unwritten answers over `writeBufferHighWaterMark` stop the connection's reading until they
    /// drain under `writeBufferLowWaterMark`; a peer that takes none of them for this long is
    /// closed without waiting for a closing frame.
    public var writeTimeout: Duration = .seconds(30)
    var writeBufferHighWaterMark = 1024 * 1024
    var writeBufferLowWaterMark = 256 * 1024
    /// The deadline of a call that sets `timeout_ms` 0.
    var defaultCallTimeout: Duration = .seconds(30)
    /// At shutdown, calls in flight get this long to finish; then they are answered UNAVAILABLE
    /// and their connections closed.
    public var drainTimeout: Duration = .seconds(10)
    /// Anonymous reads of the store (listings and GetProduct while the catalog is larger than
    /// the cache) one connection may have running, and waiting behind them, before it is
    /// answered RESOURCE_EXHAUSTED: within the daemon's own bound (`ProductCatalog.Configuration`),
    /// one client cannot take all of it.
    var maxStoreReadsPerConnection = 2
    var maxStoreReadsWaitingPerConnection = 8
    /// How often the store is probed for the Health service.
    public var healthProbeInterval: Duration = .seconds(1)
    /// Proxies whose connections start with a PROXY protocol v2 header naming the client: the
    /// client it names is the one every cap, throttle and log line uses. Connections from these
    /// addresses must send one (within `handshakeTimeout`); from others, a header is not read
    /// and the connection fails as any that does not speak TLS (or the framing) would. Empty:
    /// off.
    public var trustedProxies: [AddressRange] = []

    /// Streaming calls (gRPC's Health.Watch, reflection) open at once across the daemon; past
    /// it a new one is answered RESOURCE_EXHAUSTED.
    public var maxStreamingCalls = 1024
    /// A gRPC connection older than this is asked to go (GOAWAY) and given the drain timeout
    /// to finish its calls: clients reconnect, and load spreads again over the daemons.
    public var maxConnectionAge: Duration = .seconds(3600)

    /// HTTP/2's SETTINGS_MAX_HEADER_LIST_SIZE on the gRPC listener: a request's header fields,
    /// decoded, at most.
    static let maxHeaderListSize = 16 * 1024
    /// Each gRPC stream's initial flow-control window (HTTP/2's default), and the connection's.
    static let grpcStreamWindow = 65_535
    static let grpcConnectionWindow = 1024 * 1024

    public init() {}

    /// 80% of the process's open-file limit: the rest stays for the database, the listener
    /// and log files, so that `accept` never fails for want of a descriptor.
    static func defaultMaxConnections() -> Int {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else {
            return 10_000
        }
        // RLIM_INFINITY is all ones: capped like any limit too large to mean anything here.
        return max(1, Int(min(limit.rlim_cur, 1 << 24)) * 8 / 10)
    }

    /// The gRPC connections' limits, as their state machine takes them.
    var grpcConnectionLimits: GRPCConnectionStateMachine.Limits {
        .init(
            frameTimeout: TimeAmount(self.frameTimeout),
            writeTimeout: TimeAmount(self.writeTimeout),
            maxBufferedBytes: self.maxFrameSize,
            connectionWindow: Self.grpcConnectionWindow,
            streamWindow: Self.grpcStreamWindow,
            idleTimeout: TimeAmount(self.idleTimeout),
            maxAge: TimeAmount(self.maxConnectionAge),
            drainTimeout: TimeAmount(self.drainTimeout)
        )
    }

    /// The per-connection limits, as the connection's state machine takes them.
    var connectionLimits: ConnectionStateMachine<RequestEnvelope>.Limits {
        .init(
            maxInFlight: self.maxInFlightCallsPerConnection,
            idleTimeout: TimeAmount(self.idleTimeout),
            frameTimeout: TimeAmount(self.frameTimeout),
            writeTimeout: TimeAmount(self.writeTimeout),
            drainTimeout: TimeAmount(self.drainTimeout)
        )
    }
}
