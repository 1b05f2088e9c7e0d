import Codec
import Domain
import Foundation
import Listening
public import Logging
public import NIOCore
import NIOExtras
public import NIOPosix
public import NIOSSL
public import ServiceLifecycle

/// The catalog RPC server as a `Service`: binds, serves until graceful shutdown, then stops
/// accepting, lets in-flight calls finish (each connection for `drainTimeout`, after which
/// its calls are answered UNAVAILABLE), and closes every connection with the UNAVAILABLE
/// frame of PROTOCOL.md section 5. `run` returns only once every connection is gone, so the
/// services stopped after it (the outbox worker, the final view flush, the store) outlive
/// every call.
public final class CatalogServer: Service {
    private let configuration: ServerConfiguration
    private let tls: NIOSSLContext?
    private let registry: MethodRegistry
    private let authenticator: any Authenticator
    private let servingState: ServingState
    private let storeProbe: @Sendable () async -> Bool
    private let eventLoopGroup: any EventLoopGroup
    private let logger: Logger
    private let connections: OpenConnections
    private let metrics: ServerMetrics?
    private let address = ListeningAddress<SocketAddress>()

    /// - Parameters:
    ///   - tls: the shared TLS context; `nil` serves plaintext (behind a TLS-terminating proxy only).
    ///   - storeProbe: answers whether the store is reachable, for Health.
    ///   - connections: the connections counted against the caps of `configuration`; pass the
    ///     gRPC listener's, so that the caps bound both listeners together. Its own when `nil`.
    ///   - metrics: where calls and connections are counted; `nil` counts nothing.
    public init(
        configuration: ServerConfiguration,
        tls: NIOSSLContext?,
        registry: MethodRegistry,
        authenticator: any Authenticator,
        servingState: ServingState,
        storeProbe: @escaping @Sendable () async -> Bool,
        connections: OpenConnections? = nil,
        metrics: ServerMetrics? = nil,
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger
    ) {
        self.configuration = configuration
        self.tls = tls
        self.registry = registry
        self.authenticator = authenticator
        self.servingState = servingState
        self.storeProbe = storeProbe
        self.eventLoopGroup = eventLoopGroup
        self.logger = logger
        self.connections = connections ?? OpenConnections(configuration: configuration)
        self.metrics = metrics
    }

    /// The address the server listens on, once bound; `nil` if it stopped without binding.
    public func listeningAddress() async -> SocketAddress? {
        await self.address.value()
    }

    public func run() async throws {
        defer { self.address.ended() }
        let quiescing = ServerQuiescingHelper(group: self.eventLoopGroup)
        let channel = try await self.bind(quiescing: quiescing)
        if let address = channel.localAddress {
            self.logger.info("listening", metadata: ["address": "\(address)", "tls": "\(self.tls != nil)"])
            self.address.bound(address)
        }

        await withDiscardingTaskGroup { group in
            group.addTask {
                await cancelWhenGracefulShutdown { await self.probeStore() }
            }
            // Returns at graceful shutdown, or throws when the task is cancelled: stop either way.
            try? await gracefulShutdown()
        }

        self.logger.info("draining connections")
        self.servingState.startDraining()
        // Each connection ends itself within the drain timeout, plus the write timeout for its
        // closing frame; this bound only guards against a bug in that.
        let bound = self.configuration.drainTimeout + self.configuration.writeTimeout + .seconds(5)
        let finished = await ListenerBootstrap.drain(quiescing, group: self.eventLoopGroup, bound: bound)
        if !finished {
            self.logger.warning(
                "connections still open after the drain bound; closing them",
                metadata: ["connections": "\(self.connections.count)"]
            )
            try? await channel.close()
            await self.connections.closeAll()
        }
        self.logger.info("server stopped")
    }

    private func bind(quiescing: ServerQuiescingHelper) async throws -> any Channel {
        do {
            return try await ListenerBootstrap.make(
                group: self.eventLoopGroup,
                configuration: self.configuration,
                quiescing: quiescing
            ) { channel, client in try self.configureServing(channel, client: client) }
            .bind(host: self.configuration.host, port: self.configuration.port)
            .get()
        } catch {
            throw ListenError(
                listener: .framing,
                host: self.configuration.host,
                port: self.configuration.port,
                cause: error
            )
        }
    }

    /// The connection's handlers, for `client`: the peer, or the client its proxy named.
    private func configureServing(_ channel: any Channel, client: SocketAddress?) throws {
        let pipeline = channel.pipeline.syncOperations
        if let tls = self.tls {
            try pipeline.addHandler(ALPNEnforcer())
            try pipeline.addHandler(NIOSSLServerHandler(context: tls))
            try pipeline.addHandler(
                HandshakeTimeoutHandler(timeout: TimeAmount(self.configuration.handshakeTimeout)) {
                    [metrics = self.metrics] in metrics?.framingConnections.add(.tlsFailed)
                }
            )
        }
        let clientAddress = client?.clientKey
        var logger = self.logger
        logger[metadataKey: "peer"] = "\(client.map { "\($0)" } ?? "unknown")"
        switch self.connections.admit(channel, address: clientAddress, transport: "framing") {
        case .serve:
            break
        case .refuse(let refusal):
            logger.debug("connection refused", metadata: ["reason": "\(refusal.message)"])
            try pipeline.addHandler(ConnectionRefusalHandler(status: refusal))
            return
        case .drop:
            logger.debug("connection dropped: too many refusals under way")
            channel.close(promise: nil)
            return
        }
        try pipeline.addHandler(
            ConnectionHandler(
                registry: self.registry,
                authenticator: self.authenticator,
                configuration: self.configuration,
                clientAddress: clientAddress,
                now: channel.eventLoop.now,
                metrics: self.metrics,
                logger: logger
            )
        )
    }

    /// Keeps Health's view of the store current without I/O on the call path.
    private func probeStore() async {
        while !Task.isCancelled {
            let reachable = await self.storeProbe()
            self.servingState.setStoreReachable(reachable)
            try? await Task.sleep(for: self.configuration.healthProbeInterval)
        }
    }
}
