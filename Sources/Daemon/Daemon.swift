public import Domain
public import Logging
import Metrics
import NIOCore
public import Notifications
import RPCServer
public import ServiceLifecycle
public import Storage
import Telemetry

/// The daemon's parts that are made before its services, by the executable: the open store and
/// what is warmed up over it.
public struct DaemonParts: Sendable {
    public var store: any CatalogStore
    /// PostgreSQL's, when several daemons share the store; `nil` on SQLite, whose admins are
    /// re-read every `identitySyncInterval` instead.
    public var changeFeed: (any StoreChangeFeed)?
    public var catalog: ProductCatalog
    public var identity: IdentityService
    public var worker: NotificationWorker
    /// `nil` when metrics are off.
    public var metrics: DaemonMetrics?

    public init(
        store: any CatalogStore,
        changeFeed: (any StoreChangeFeed)?,
        catalog: ProductCatalog,
        identity: IdentityService,
        worker: NotificationWorker,
        metrics: DaemonMetrics?
    ) {
        self.store = store
        self.changeFeed = changeFeed
        self.catalog = catalog
        self.identity = identity
        self.worker = worker
        self.metrics = metrics
    }
}

/// The daemon's services, made from its configuration and parts, in the order a
/// `ServiceGroup` must run them (`ServiceOrder` says why).
public struct Daemon: Sendable {
    /// The services in the order they start; they stop in reverse.
    public let services: [any Service]
    private let server: CatalogServer
    private let grpc: GRPCListener?
    private let metricsListener: MetricsHTTPServer?
    /// The longest a graceful shutdown takes: every connection's drain and its closing write,
    /// and a margin for the services stopped after the server (the final flush, the store).
    let shutdownBound: Duration

    /// Where the listeners listen, once all are bound; `nil` if one stopped without binding.
    func listeningAddresses() async -> ListeningAddresses? {
        guard let framing = await self.server.listeningAddress(), let framingPort = framing.port else { return nil }
        var addresses = ListeningAddresses(framing: "\(framing.ipAddress ?? "?"):\(framingPort)")
        if let grpc = self.grpc {
            guard let port = await grpc.listeningPort() else { return nil }
            addresses.grpcPort = port
        }
        if let metricsListener = self.metricsListener {
            guard let address = await metricsListener.listeningAddress(), let port = address.port else { return nil }
            addresses.metrics = "\(address.ipAddress ?? "?"):\(port)"
        }
        return addresses
    }

    /// Where each listener listens, for the daemon's ready line.
    struct ListeningAddresses: Sendable {
        public var framing: String
        public var grpcPort: Int?
        public var metrics: String?
    }

    public init(configuration: DaemonConfiguration, parts: DaemonParts, logger: Logger) throws {
        self.shutdownBound = configuration.server.drainTimeout + configuration.server.writeTimeout + .seconds(15)
        let servingState = ServingState()
        let reports = ViewReports(store: parts.store, hourlyRetention: configuration.viewHoursRetention)
        var registry = MethodRegistry()
        registry.registerProductService(parts.catalog)
        registry.registerAdminService(parts.identity)
        registry.registerAuthService(parts.identity)
        registry.registerNotificationService(NotificationLog(store: parts.store))
        registry.registerReportService(reports)
        registry.registerHealthService(servingState)

        // One count for both listeners: the caps bound the daemon's connections.
        let connections = OpenConnections(configuration: configuration.server)
        let streamingCalls = StreamingCallSlots(limit: configuration.server.maxStreamingCalls)
        // What the gRPC listener serves, made once: its calls are counted by these methods' places.
        let grpcRegistry = registry.servingGRPC(state: servingState)
        let serverMetrics = parts.metrics.map { _ in ServerMetrics(registry: registry, grpcRegistry: grpcRegistry) }
        if let metrics = parts.metrics, let serverMetrics {
            metrics.exposition.add(serverMetrics.collector(connections: connections, streamingCalls: streamingCalls))
            metrics.addCollectors(catalog: parts.catalog, outbox: parts.store)
            metrics.exposition.add(
                ScrapeClosure { text in
                    text.gauge(
                        "catalog_serving",
                        help: "1 while Health says SERVING (the store answers, no drain), else 0.",
                        servingState.isServing ? 1 : 0
                    )
                }
            )
        }
        let authenticator = TokenAuthenticator(identity: parts.identity)
        self.server = CatalogServer(
            configuration: configuration.server,
            tls: try configuration.tls.map {
                try ServerTLS.makeContext(
                    certificatePath: $0.certificatePath,
                    privateKeyPath: $0.privateKeyPath,
                    clientCAPath: $0.clientCAPath
                )
            },
            registry: registry,
            authenticator: authenticator,
            servingState: servingState,
            storeProbe: { [catalog = parts.catalog] in await catalog.isStoreReachable() },
            connections: connections,
            metrics: serverMetrics,
            logger: logger
        )
        self.grpc = configuration.grpc.map { address in
            GRPCListener(
                host: address.host,
                port: address.port,
                security: configuration.tls.map {
                    .tls(
                        certificatePath: $0.certificatePath,
                        privateKeyPath: $0.privateKeyPath,
                        clientCAPath: $0.clientCAPath
                    )
                } ?? .plaintext,
                configuration: configuration.server,
                registry: grpcRegistry,
                authenticator: authenticator,
                servingState: servingState,
                connections: connections,
                streamingCalls: streamingCalls,
                metrics: serverMetrics,
                logger: logger
            )
        }
        if let listener = configuration.metrics, let metrics = parts.metrics {
            self.metricsListener = MetricsHTTPServer(
                configuration: listener,
                exposition: metrics.exposition,
                probes: ProbeState(isServing: { servingState.isServing }, isReady: { !servingState.isDraining }),
                logger: logger
            )
        } else {
            self.metricsListener = nil
        }
        // What other processes change reaches this daemon by the change feed on PostgreSQL (which
        // reloads everything after each reconnection), by re-reading the admins on SQLite.
        let storeSync: any Service =
            if let feed = parts.changeFeed {
                ChangeFeedService(
                    feed: feed,
                    apply: StoreChangeApplier(catalog: parts.catalog, identity: parts.identity).apply,
                    metrics: parts.metrics?.factory ?? NOOPMetricsHandler.instance,
                    logger: logger
                )
            } else {
                IdentitySyncService(
                    identity: parts.identity,
                    interval: configuration.identitySyncInterval,
                    logger: logger
                )
            }
        self.services =
            ServiceOrder(
                viewFlush: ViewFlushService(
                    catalog: parts.catalog,
                    reports: reports,
                    interval: configuration.viewFlushInterval,
                    metrics: parts.metrics?.viewFlush,
                    logger: logger
                ),
                storeSync: storeSync,
                metricsListener: self.metricsListener,
                notifications: parts.worker,
                server: self.server,
                grpc: self.grpc
            ).ordered
    }
}
