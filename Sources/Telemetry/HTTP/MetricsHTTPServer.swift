import Listening
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import ServiceLifecycle
import Synchronization

/// The operator's HTTP listener, as a `Service`: `/metrics` for Prometheus, `/healthz` and
/// `/readyz` for probes that speak only HTTP. Plain HTTP, for a scraper on loopback or an
/// internal network: nothing it serves is secret. It holds little: a few connections, each
/// closed after `idleTimeout` without a request, and no request body is kept.
///
/// List it before the RPC server in the service group: services stop in reverse order, so it
/// still answers `/readyz` 503 while the RPC server drains.
public final class MetricsHTTPServer: Service {
    public struct Configuration: Sendable {
        public var host = "127.0.0.1"
        public var port = 9464
        /// Connections open at once; a connection past it is closed at once. Scrapers and
        /// probes hold one each.
        public var maxConnections = 32
        /// A connection without a request for this long is closed.
        public var idleTimeout: Duration = .seconds(60)

        public init() {}
    }

    private let configuration: Configuration
    private let exposition: MetricsExposition
    private let probes: ProbeState
    private let eventLoopGroup: any EventLoopGroup
    private let logger: Logger
    private let open = Mutex(0)
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
    }

    /// The address the listener is bound to, once bound; `nil` if it stopped without binding.
    public func listeningAddress() async -> SocketAddress? {
        await self.address.value()
    }

    public func run() async throws {
        defer { self.address.ended() }
        let idleTimeout = TimeAmount(self.configuration.idleTimeout)
        let server: NIOAsyncChannel<NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>, Never>
        do {
            server = try await ServerBootstrap(group: self.eventLoopGroup)
                .serverChannelOption(.backlog, value: 64)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .bind(host: self.configuration.host, port: self.configuration.port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        let pipeline = channel.pipeline.syncOperations
                        try pipeline.configureHTTPServerPipeline(withErrorHandling: true)
                        try pipeline.addHandler(IdleStateHandler(allTimeout: idleTimeout))
                        try pipeline.addHandler(IdleConnectionCloser())
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
                        guard self.admit() else {
                            try? await connection.channel.close()
                            continue
                        }
                        group.addTask {
                            defer { self.open.withLock { $0 -= 1 } }
                            await self.serve(connection)
                        }
                    }
                }
            }
        }
    }

    private func admit() -> Bool {
        self.open.withLock { open in
            guard open < self.configuration.maxConnections else { return false }
            open += 1
            return true
        }
    }

    /// Answers one connection's requests in turn; a body is read and dropped.
    private func serve(_ connection: NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>) async {
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
                        let response = await self.response(to: head)
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

    private func response(to request: HTTPRequestHead) async -> (head: HTTPResponseHead, body: [UInt8]) {
        let route = MetricsRoute(method: request.method.rawValue, uri: request.uri)
        let (status, contentType, body): (HTTPResponseStatus, String, [UInt8])
        switch route {
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
