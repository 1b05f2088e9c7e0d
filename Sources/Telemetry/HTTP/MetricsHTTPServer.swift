import Listening
public import Logging
public import NIOCore
import NIOHTTP1
public import NIOPosix
public import ServiceLifecycle
import Synchronization

/// The operator's HTTP listener, as a `Service`: `/metrics` for Prometheus, `/healthz` and
/// `/readyz` for probes that speak only HTTP. Plain HTTP, for a scraper on loopback or an
/// internal network: nothing it serves is secret. It holds little, and no client can hold it:
/// a few connections, a few per address (`MetricsAdmission`), each given a bounded time for each
/// request and a bounded age (`MetricsConnectionClock`), slots kept for probes past the
/// scrapers', and no request body kept.
///
/// List it before the RPC server in the service group: services stop in reverse order, so it
/// still answers `/readyz` 503 while the RPC server drains.
public final class MetricsHTTPServer: Service {
    public struct Configuration: Sendable {
        public var host = "127.0.0.1"
        public var port = 9464
        /// Connections served fully at once; scrapers and probes hold one each.
        public var maxConnections = 32
        /// Connections past `maxConnections` that answer only `/healthz` and `/readyz` (`/metrics`
        /// with 503): probes get through while scrapers hold every other slot.
        public var probeConnections = 8
        /// Connections at once from one address; past it a new one is closed at once.
        public var maxConnectionsPerAddress = 4
        /// Each request must arrive whole within this of the connection being ready for it
        /// (accepted, or its previous answer written); a keep-alive connection idle as long is
        /// closed too.
        public var requestTimeout: Duration = .seconds(10)
        /// A connection this old is closed once its answer in progress is written.
        public var maxConnectionAge: Duration = .seconds(300)

        public init() {}
    }

    private let configuration: Configuration
    private let exposition: MetricsExposition
    private let probes: ProbeState
    private let eventLoopGroup: any EventLoopGroup
    private let logger: Logger
    private let admission: Mutex<MetricsAdmission>
    private let address = ListeningAddress<SocketAddress>()

    public init(
        configuration: Configuration,
        exposition: MetricsExposition,
        probes: ProbeState,
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger
    ) {
        self.configuration = configuration
        self.exposition = exposition
        self.probes = probes
        self.eventLoopGroup = eventLoopGroup
        self.logger = logger
        self.admission = Mutex(
            MetricsAdmission(
                maxConnections: configuration.maxConnections,
                probeConnections: configuration.probeConnections,
                maxPerAddress: configuration.maxConnectionsPerAddress
            )
        )
    }

    /// The address the listener is bound to, once bound; `nil` if it stopped without binding.
    public func listeningAddress() async -> SocketAddress? {
        await self.address.value()
    }

    public func run() async throws {
        defer { self.address.ended() }
        let requestTimeout = TimeAmount(self.configuration.requestTimeout)
        let maxAge = TimeAmount(self.configuration.maxConnectionAge)
        let server: NIOAsyncChannel<NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>, Never>
        do {
            server = try await ServerBootstrap(group: self.eventLoopGroup)
                .serverChannelOption(.backlog, value: 64)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .bind(host: self.configuration.host, port: self.configuration.port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        let pipeline = channel.pipeline.syncOperations
                        try pipeline.configureHTTPServerPipeline(withErrorHandling: true)
                        try pipeline.addHandler(
                            MetricsConnectionDeadlineHandler(requestTimeout: requestTimeout, maxAge: maxAge)
                        )
                        return try NIOAsyncChannel(wrappingChannelSynchronously: channel)
                    }
                }
        } catch {
            throw ListenError(
                listener: .metrics,
                host: self.configuration.host,
                port: self.configuration.port,
                cause: error
            )
        }
        if let address = server.channel.localAddress {
            self.logger.info("listening for metrics and probes", metadata: ["address": "\(address)"])
            self.address.bound(address)
        }
        // Ends at graceful shutdown: the accept loop is cancelled, and with it every connection.
        await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                try? await server.executeThenClose { connections in
                    for try await connection in connections {
                        let address = connection.channel.remoteAddress?.clientKey
                        guard case .serve(let probesOnly) = self.admission.withLock({ $0.admit(address: address) })
                        else {
                            try? await connection.channel.close()
                            continue
                        }
                        group.addTask {
                            defer {
                                self.admission.withLock { $0.release(address: address, probesOnly: probesOnly) }
                            }
                            await self.serve(connection, probesOnly: probesOnly)
                        }
                    }
                }
            }
        }
    }

    /// Answers one connection's requests in turn; a body is read and dropped.
    /// - Parameter probesOnly: the connection took a slot kept for probes: `/metrics` gets 503.
    private func serve(
        _ connection: NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>,
        probesOnly: Bool
    ) async {
        do {
            try await connection.executeThenClose { inbound, outbound in
                var request: HTTPRequestHead?
                for try await part in inbound {
                    switch part {
                    case .head(let head):
                        request = head
                    case .body:
                        continue
                    case .end:
                        guard let head = request.take() else { continue }
                        let response = await self.response(to: head, probesOnly: probesOnly)
                        try await outbound.write(.head(response.head))
                        if head.method != .HEAD {
                            try await outbound.write(.body(.byteBuffer(ByteBuffer(bytes: response.body))))
                        }
                        try await outbound.write(.end(nil))
                        guard head.isKeepAlive else { return }
                    }
                }
            }
        } catch {
            self.logger.debug("metrics connection ended", metadata: ["error": "\(error)"])
        }
    }

    private func response(
        to request: HTTPRequestHead,
        probesOnly: Bool
    ) async -> (head: HTTPResponseHead, body: [UInt8]) {
        let route = MetricsRoute(method: request.method.rawValue, uri: request.uri)
        let (status, contentType, body): (HTTPResponseStatus, String, [UInt8])
        switch route {
        case .metrics where probesOnly:
            (status, contentType, body) = (
                .serviceUnavailable, "text/plain; charset=utf-8",
                Array("too many metrics clients at once; this connection answers only probes\n".utf8)
            )
        case .metrics:
            let format = ExpositionFormat(accept: request.headers["Accept"].joined(separator: ","))
            (status, contentType, body) = (.ok, format.contentType, await self.exposition.render(format))
        case .health:
            let serving = self.probes.isServing()
            (status, contentType, body) = (
                serving ? .ok : .serviceUnavailable, "text/plain; charset=utf-8",
                Array((serving ? "SERVING\n" : "NOT_SERVING\n").utf8)
            )
        case .readiness:
            let ready = self.probes.isReady()
            (status, contentType, body) = (
                ready ? .ok : .serviceUnavailable, "text/plain; charset=utf-8",
                Array((ready ? "ready\n" : "draining\n").utf8)
            )
        case .notFound:
            (status, contentType, body) = (
                .notFound, "text/plain; charset=utf-8", Array("not found: try /metrics, /healthz or /readyz\n".utf8)
            )
        case .methodNotAllowed:
            (status, contentType, body) = (
                .methodNotAllowed, "text/plain; charset=utf-8", Array("only GET and HEAD are served\n".utf8)
            )
        }
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: contentType)
        headers.add(name: "Content-Length", value: String(body.count))
        headers.add(name: "Cache-Control", value: "no-store")
        if route == .methodNotAllowed {
            headers.add(name: "Allow", value: "GET, HEAD")
        }
        var head = HTTPResponseHead(version: request.version, status: status, headers: headers)
        head.headers.add(name: "Connection", value: request.isKeepAlive ? "keep-alive" : "close")
        return (head, body)
    }
}
