import Domain
import GRPCCore
import GRPCNIOTransportHTTP2Posix
import Listening
import Logging
import NIOCore
import ServiceLifecycle

/// Standard gRPC (HTTP/2, by grpc-swift) on a listener of its own beside the framing's, as a
/// `Service`: every method of the registry through `CatalogGRPCService`, the standard
/// `grpc.health.v1.Health` (`GRPCHealthService`) and server reflection (`GRPCReflectionService`),
/// with the framing's certificate, client CA and limits. At graceful shutdown it stops
/// accepting and sends GOAWAY; calls in flight get the framing's drain timeout, then are cancelled.
public final class GRPCListener: Service {
    /// How the listener is secured: as the framing's, from the same files.
    public enum Security: Sendable {
        /// Behind a TLS-terminating proxy only, as `--plaintext`.
        case plaintext
        /// TLS with this certificate chain and key (PEM files); with `clientCAPath`, only
        /// clients with a certificate it signed are served (mutual TLS).
        case tls(certificatePath: String, privateKeyPath: String, clientCAPath: String?)
    }

    private let host: String
    private let port: Int
    private let security: Security
    private let configuration: ServerConfiguration
    private let service: CatalogGRPCService
    private let health: GRPCHealthService
    private let reflection: GRPCReflectionService
    private let servingState: ServingState
    private let admission: GRPCConnectionAdmission
    private let interceptors: [any ServerInterceptor]
    private let logger: Logger
    private let address = ListeningAddress<Int>()

    /// - Parameters:
    ///   - host: an IP address (IPv6 without brackets).
    ///   - configuration: the framing's limits, which the listener applies as gRPC's.
    ///   - connections: the framing listener's, so that the connection caps bound both together.
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
        metrics: ServerMetrics? = nil,
        logger: Logger
    ) {
        self.host = host
        self.port = port
        self.security = security
        self.configuration = configuration
        let proxiedClients = configuration.trustedProxies.isEmpty ? nil : ProxiedClients()
        self.service = CatalogGRPCService(
            registry: registry,
            authenticator: authenticator,
            configuration: configuration,
            proxiedClients: proxiedClients,
            logger: logger
        )
        // What the listener serves, as Health knows it and reflection lists it.
        let served = registry.serviceNames.union([GRPCHealthService.serviceName])
            .union(GRPCReflectionService.serviceNames)
        self.health = GRPCHealthService(state: servingState, servedServices: served)
        self.reflection = GRPCReflectionService(servedServices: served)
        self.servingState = servingState
        self.admission = GRPCConnectionAdmission(
            connections: connections,
            handshakeTimeout: configuration.handshakeTimeout,
            trustedProxies: configuration.trustedProxies,
            proxiedClients: proxiedClients,
            metrics: metrics?.grpcConnections,
            logger: logger
        )
        self.interceptors = metrics.map { [GRPCCallMetricsInterceptor(calls: $0.grpcCalls)] } ?? []
        self.logger = logger
    }

    /// The port the listener is bound to, once bound; `nil` if it stopped without binding.
    public func listeningPort() async -> Int? {
        await self.address.value()
    }

    public func run() async throws {
        defer { self.address.ended() }
        let transport = HTTP2ServerTransport.Posix(
            address: self.host.contains(":")
                ? .ipv6(host: self.host, port: self.port) : .ipv4(host: self.host, port: self.port),
            transportSecurity: self.transportSecurity,
            config: .defaults { config in
                // A backstop: GRPCMessageSizeGuard answers a message over the limit first.
                config.rpc.maxRequestPayloadSize = self.configuration.maxFrameSize
                config.http2.maxConcurrentStreams = self.configuration.maxInFlightCallsPerConnection
                config.connection.maxIdleTime = self.configuration.idleTimeout
                // Keepalive stays grpc-swift's (gRFC A8/A9): a ping every 2 h of silence, 20 s to
                // answer it; a client's pings more often than every 5 min with no call open are
                // strikes, and the third gets GOAWAY ENHANCE_YOUR_CALM ("too_many_pings").
                // swift-nio-http2 bounds the rest of a flood: more streams than the limit end the
                // connection (GOAWAY PROTOCOL_ERROR), as do over 200 stream errors, resets or
                // control frames (PING, SETTINGS) in 30 s, or 10,000 answers to control frames
                // left unread.
                //
                // The "debugging" callbacks are the only access grpc-swift gives to the channels
                // it accepts: the connection caps and the handshake bound go in through them, and
                // a guard first in each stream's pipeline answers an oversized message.
                config.channelDebuggingCallbacks.onAcceptTCPConnection = { [admission = self.admission] channel in
                    admission.admit(channel)
                }
                config.channelDebuggingCallbacks.onAcceptHTTP2Stream = {
                    [limit = self.configuration.maxFrameSize] stream in
                    stream.eventLoop.makeCompletedFuture {
                        try stream.pipeline.syncOperations.addHandler(
                            GRPCMessageSizeGuard(limit: limit),
                            position: .first
                        )
                    }
                }
            }
        )
        let server = GRPCServer(
            transport: transport,
            services: [self.service, self.health, self.reflection],
            interceptors: self.interceptors
        )
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await server.serve() }
            let address: GRPCNIOTransportCore.SocketAddress
            do {
                address = try await transport.listeningAddress
            } catch {
                // The transport says only that it is not listening; why is the serving task's error.
                var cause = error
                do { try await group.next() } catch { cause = error }
                throw ListenError(listener: .grpc, host: self.host, port: self.port, cause: Self.systemError(in: cause))
            }
            let port = address.ipv4?.port ?? address.ipv6?.port
            self.logger.info(
                "listening for gRPC",
                metadata: ["address": "\(address)", "tls": "\(self.isTLS)"]
            )
            if let port {
                self.address.bound(port)
            }
            // Returns at graceful shutdown, or throws when the task is cancelled: stop either way.
            try? await gracefulShutdown()
            // NOT_SERVING first, so that Health's watchers learn of the drain (their streams end
            // with it) before GOAWAY: load balancers stop sending before the listener closes.
            self.servingState.startDraining()
            server.beginGracefulShutdown()
            // Calls in flight finish within the drain timeout, or are cancelled.
            group.addTask { try await Task.sleep(for: self.configuration.drainTimeout) }
            _ = try await group.next()
            group.cancelAll()
        }
    }

    /// The system call's error under grpc-swift's wrappers (a bind's `IOError`), for a message
    /// that says `address already in use`; the error itself when there is none.
    static func systemError(in error: any Error) -> any Error {
        var current: any Error = error
        // A few levels at most: RPCError around RuntimeError around IOError.
        for _ in 0..<8 {
            if current is IOError { return current }
            if let wrapper = current as? RuntimeError, let cause = wrapper.cause {
                current = cause
            } else if let wrapper = current as? RPCError, let cause = wrapper.cause {
                current = cause
            } else {
                break
            }
        }
        return error
    }

    private var isTLS: Bool {
        if case .plaintext = self.security { return false }
        return true
    }

    private var transportSecurity: HTTP2ServerTransport.Posix.TransportSecurity {
        switch self.security {
        case .plaintext:
            return .plaintext
        case .tls(let certificatePath, let privateKeyPath, nil):
            return .tls(
                certificateChain: [.file(path: certificatePath, format: .pem)],
                privateKey: .file(path: privateKeyPath, format: .pem)
            )
        case .tls(let certificatePath, let privateKeyPath, let clientCAPath?):
            return .mTLS(
                certificateChain: [.file(path: certificatePath, format: .pem)],
                privateKey: .file(path: privateKeyPath, format: .pem)
            ) { tls in
                tls.trustRoots = .certificates([.file(path: clientCAPath, format: .pem)])
            }
        }
    }
}
