import Codec
import Domain
import Listening
public import Logging
public import NIOCore
import NIOExtras
import NIOHTTP2
public import NIOPosix
import NIOSSL
public import ServiceLifecycle

/// Standard gRPC (HTTP/2) on a listener of its own beside the framing's, as a `Service`: every
/// method of the registry, the standard `grpc.health.v1.Health` and server reflection, with the
/// framing's certificate, client CA, limits and connection caps. Each connection is
/// swift-nio-http2's `NIOHTTP2Handler` and connection manager (idle and age limits, keepalive,
/// GOAWAY) in front of a `GRPCConnectionHandler`, which serves its calls through the same
/// `CallCore` as the framing's connections. At graceful shutdown it stops accepting and sends
/// GOAWAY; calls in flight get the drain timeout, then their connections are closed.
public final class GRPCListener: Service {
    /// How the listener is secured: as the framing's, from the same files.
    public enum Security: Sendable {
        /// Behind a TLS-terminating proxy only, as `--plaintext`.
        case plaintext
        /// TLS with this certificate chain and key (PEM files); with `clientCAPath`, only
        /// clients with a certificate it signed are served (mutual TLS).
        case tls(certificatePath: String, privateKeyPath: String, clientCAPath: String?)
    }

    /// HTTP/2's ALPN ids; `grpc-exp` is offered by older gRPC clients.
    static let applicationProtocols = ["h2", "grpc-exp"]

    private let host: String
    private let port: Int
    private let security: Security
    private let configuration: ServerConfiguration
    private let registry: MethodRegistry
    private let authenticator: any Authenticator
    private let servingState: ServingState
    private let connections: OpenConnections
    private let streamingCalls: StreamingCallSlots
    private let metrics: ServerMetrics?
    private let eventLoopGroup: any EventLoopGroup
    private let logger: Logger
    private let address = ListeningAddress<Int>()

    /// - Parameters:
    ///   - host: an IP address (IPv6 without brackets).
    ///   - configuration: the framing's limits, which the listener applies as gRPC's.
    ///   - registry: what it serves: the daemon's methods with Health and reflection
    ///     (`MethodRegistry.servingGRPC`), made once and shared with the call metrics.
    ///   - connections: the framing listener's, so that the connection caps bound both together.
    ///   - streamingCalls: the daemon's bound on streaming calls; its own when `nil`.
    ///   - metrics: where calls (`grpcCalls`), bytes and TLS failures are counted; `nil` counts nothing.
    public init(
        host: String,
        port: Int,
        security: Security,
        configuration: ServerConfiguration,
        registry: MethodRegistry,
        authenticator: any Authenticator,
        servingState: ServingState,
        connections: OpenConnections,
        streamingCalls: StreamingCallSlots? = nil,
        metrics: ServerMetrics? = nil,
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger
    ) {
        self.host = host
        self.port = port
        self.security = security
        self.configuration = configuration
        self.registry = registry
        self.authenticator = authenticator
        self.servingState = servingState
        self.connections = connections
        self.streamingCalls = streamingCalls ?? StreamingCallSlots(limit: configuration.maxStreamingCalls)
        self.metrics = metrics
        self.eventLoopGroup = eventLoopGroup
        self.logger = logger
    }

    /// The port the listener is bound to, once bound; `nil` if it stopped without binding.
    public func listeningPort() async -> Int? {
        await self.address.value()
    }

    public func run() async throws {
        defer { self.address.ended() }
        let tls = try self.makeTLSContext()
        let quiescing = ServerQuiescingHelper(group: self.eventLoopGroup)
        let channel: any Channel
        do {
            channel = try await ListenerBootstrap.make(
                group: self.eventLoopGroup,
                configuration: self.configuration,
                quiescing: quiescing
            ) { channel, client in try self.configureServing(channel, tls: tls, client: client) }
            .bind(host: self.host, port: self.port)
            .get()
        } catch {
            throw ListenError(listener: .grpc, host: self.host, port: self.port, cause: error)
        }
        if let address = channel.localAddress {
            self.logger.info("listening for gRPC", metadata: ["address": "\(address)", "tls": "\(tls != nil)"])
            if let port = address.port {
                self.address.bound(port)
            }
        }
        // Returns at graceful shutdown, or throws when the task is cancelled: stop either way.
        try? await gracefulShutdown()
        // NOT_SERVING first, so that Health's watchers learn of the drain (their streams end
        // with it) before GOAWAY: load balancers stop sending before the listener closes.
        self.servingState.startDraining()
        // Each connection closes itself within the drain timeout (GRPCConnectionStateMachine);
        // this bound only guards against a bug in that.
        let bound = self.configuration.drainTimeout + self.configuration.writeTimeout + .seconds(5)
        let finished = await ListenerBootstrap.drain(quiescing, group: self.eventLoopGroup, bound: bound)
        if !finished {
            self.logger.warning("gRPC connections still open after the drain bound; closing them")
            try? await channel.close()
        }
    }

    private func makeTLSContext() throws -> NIOSSLContext? {
        guard case .tls(let certificatePath, let privateKeyPath, let clientCAPath) = self.security else { return nil }
        return try ServerTLS.makeContext(
            certificatePath: certificatePath,
            privateKeyPath: privateKeyPath,
            clientCAPath: clientCAPath,
            applicationProtocols: Self.applicationProtocols
        )
    }

    /// The connection's handlers, for `client`: the peer, or the client its proxy named.
    private func configureServing(_ channel: any Channel, tls: NIOSSLContext?, client: SocketAddress?) throws {
        let pipeline = channel.pipeline.syncOperations
        let connectionMetrics = self.metrics?.grpcConnections
        if let tls {
            try pipeline.addHandler(NIOSSLServerHandler(context: tls))
            try pipeline.addHandler(
                HandshakeTimeoutHandler(timeout: TimeAmount(self.configuration.handshakeTimeout)) {
                    connectionMetrics?.add(.tlsFailed)
                }
            )
        }
        if let connectionMetrics {
            try pipeline.addHandler(ConnectionTrafficCounter(metrics: connectionMetrics))
        }
        try pipeline.addHandler(NIOHTTP2Handler(mode: .server, connectionConfiguration: self.http2Configuration))
        let clientAddress = client?.clientKey
        var logger = self.logger
        logger[metadataKey: "peer"] = "\(client.map { "\($0)" } ?? "unknown")"
        switch self.connections.admit(channel, address: clientAddress, transport: "grpc") {
        case .serve:
            break
        case .refuse(let refusal):
            logger.debug("gRPC connection refused", metadata: ["reason": "\(refusal.message)"])
            try pipeline.addHandler(GRPCConnectionRefusalHandler(reason: refusal.message))
            return
        case .drop:
            logger.debug("gRPC connection dropped: too many refusals under way")
            channel.close(promise: nil)
            return
        }
        try pipeline.addHandler(
            NIOHTTP2ServerConnectionManagementHandler(eventLoop: channel.eventLoop, configuration: self.management)
        )
        let core = CallCore(
            registry: self.registry,
            authenticator: self.authenticator,
            configuration: self.configuration,
            clientAddress: clientAddress,
            calls: self.metrics?.grpcCalls,
            logger: logger
        )
        try pipeline.addHandler(
            GRPCConnectionHandler(
                core: core,
                limits: self.configuration.grpcConnectionLimits,
                now: channel.eventLoop.now,
                maxMessageSize: self.configuration.maxFrameSize,
                streamingCalls: self.streamingCalls,
                logger: logger
            )
        )
    }

    /// HTTP/2's settings and swift-nio-http2's flood bounds (PROTOCOL.md section 11).
    private var http2Configuration: NIOHTTP2Handler.ConnectionConfiguration {
        var http2 = NIOHTTP2Handler.ConnectionConfiguration()
        http2.initialSettings = [
            HTTP2Setting(parameter: .maxConcurrentStreams, value: self.configuration.maxInFlightCallsPerConnection),
            HTTP2Setting(parameter: .maxHeaderListSize, value: ServerConfiguration.maxHeaderListSize),
            HTTP2Setting(parameter: .initialWindowSize, value: ServerConfiguration.grpcStreamWindow),
        ]
        return http2
    }

    /// The connection's graceful close (GOAWAY, PING, GOAWAY), and keepalive (gRFC A8's defaults).
    /// Idle and age limits are `GRPCConnectionStateMachine`'s, which asks the manager to close, and
    /// bounds the close whether or not the peer answers the manager's PING.
    private var management: NIOHTTP2ServerConnectionManagementHandler.Configuration {
        .init(
            maxIdleTime: nil,
            maxAge: nil,
            maxGraceTime: TimeAmount(self.configuration.drainTimeout),
            keepalive: .init(pingInterval: .hours(2), ackTimeout: .seconds(20))
        )
    }
}

extension MethodRegistry {
    /// The registry as the gRPC listener serves it: every method, then the standard Health and
    /// reflection services (which list them all).
    public func servingGRPC(state: ServingState) -> MethodRegistry {
        var registry = self
        let served = self.serviceNames.union([GRPCHealthService.serviceName]).union(GRPCReflectionService.serviceNames)
        registry.registerGRPCHealth(state, servedServices: served)
        registry.registerReflection(servedServices: served)
        return registry
    }
}
