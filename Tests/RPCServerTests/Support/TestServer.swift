import Codec
import Credentials
import Domain
import Foundation
import Logging
import Metrics
import NIOCore
import RPCClient
import RPCServer
import ServiceLifecycle
import Storage
import Telemetry
import TestSupport

/// A real server for one test: real TLS with a certificate made for this run, a real SQLite
/// file in a temporary folder, listening on 127.0.0.1:0.
struct TestServer: Sendable {
    var port: Int
    var caPath: String
    var catalog: ProductCatalog
    var store: CountingProductStore
    var identity: IdentityService
    /// The store behind `identity`.
    var adminStore: any AdminStore
    var servingState: ServingState
    /// Every method the server answers, registered as `catalogd serve` registers them.
    var registry: MethodRegistry
    /// The port of the standard gRPC listener, when the test asked for one.
    var grpcPort: Int?
    /// Starts graceful shutdown, as SIGTERM does.
    var shutDown: @Sendable () async -> Void

    func clientConfiguration() -> ClientConfiguration {
        ClientConfiguration(host: "127.0.0.1", port: self.port, security: .tls(trustedCAPath: self.caPath))
    }

    /// Logs in over RPC and returns the access token.
    func accessToken(
        username: String = TestAdmin.username,
        password: String = TestAdmin.password
    ) async throws -> String {
        try await self.withClient { client in
            try await client.login(username: username, password: password).accessToken
        }
    }

    /// A connected client, closed when `body` ends.
    func withClient<Result: Sendable>(
        accessToken: String? = nil,
        _ body: (CatalogClient) async throws -> Result
    ) async throws -> Result {
        try await CatalogClient.withClient(self.clientConfiguration()) { client in
            client.setAccessToken(accessToken)
            return try await body(client)
        }
    }
}

/// The admin every test server starts with, and the password tests log in with.
enum TestAdmin {
    static let username = "alice"
    static let password = "correct horse battery staple"
}

/// Runs a server for `body`, then shuts it down gracefully and waits for it to stop.
func withTestServer(
    identityConfiguration: IdentityService.Configuration = IdentityService.Configuration(),
    catalogConfiguration: ProductCatalog.Configuration = ProductCatalog.Configuration(),
    logs: CapturedLogs? = nil,
    storeMetrics: MetricsExposition? = nil,
    maxFrameSize: Int? = nil,
    maxInFlight: Int? = nil,
    idleTimeout: Duration? = nil,
    handshakeTimeout: Duration? = nil,
    controlledMethod: ControlledMethod? = nil,
    clientCAPath: String? = nil,
    grpc: Bool = false,
    configure: (inout ServerConfiguration) -> Void = { _ in },
    body: @Sendable (TestServer) async throws -> Void
) async throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("catalog-rpc-\(UUID().uuidString)")
        .path
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: directory) }

    let sqlite = try SQLiteStore(
        path: directory + "/catalog.sqlite",
        metrics: storeMetrics?.factory ?? NOOPMetricsHandler.instance
    )
    defer { try? sqlite.close() }
    let store = CountingProductStore(wrapping: sqlite)
    let catalog = ProductCatalog(store: store, configuration: catalogConfiguration)
    try await catalog.warmUp()

    let identity = IdentityService(
        store: sqlite,
        hasher: try await TestCredentials.hasher(),
        tokens: try await JWTTokenCodec(key: TestCredentials.tokenKey),
        configuration: identityConfiguration
    )
    try await identity.warmUp()
    _ = try await identity.createAdmin(
        NewAdmin(username: TestAdmin.username, password: TestAdmin.password, email: "alice@example.com"),
        by: AdminIdentity(id: UUID(), username: "setup")
    )

    let certificate = try SelfSignedCertificate.ensure(in: directory + "/tls")
    var configuration = ServerConfiguration()
    configuration.port = 0
    configuration.maxFrameSize = maxFrameSize ?? configuration.maxFrameSize
    configuration.maxInFlightCallsPerConnection = maxInFlight ?? configuration.maxInFlightCallsPerConnection
    configuration.idleTimeout = idleTimeout ?? configuration.idleTimeout
    configuration.handshakeTimeout = handshakeTimeout ?? configuration.handshakeTimeout
    configure(&configuration)
    let connections = OpenConnections(configuration: configuration)
    let servingState = ServingState()
    var registry = MethodRegistry()
    registry.registerProductService(catalog)
    registry.registerAdminService(identity)
    registry.registerAuthService(identity)
    registry.registerNotificationService(NotificationLog(store: sqlite))
    registry.registerReportService(ViewReports(store: sqlite))
    registry.registerHealthService(servingState)
    controlledMethod?.register(in: &registry)

    var logger = logs?.logger(label: "test-server") ?? Logger(label: "test-server")
    if logs == nil {
        logger.logLevel = .critical
    }
    let authenticator = TokenAuthenticator(identity: identity)
    let server = CatalogServer(
        configuration: configuration,
        tls: try ServerTLS.makeContext(
            certificatePath: certificate.certificatePath,
            privateKeyPath: certificate.privateKeyPath,
            clientCAPath: clientCAPath
        ),
        registry: registry,
        authenticator: authenticator,
        servingState: servingState,
        storeProbe: { await catalog.isStoreReachable() },
        connections: connections,
        logger: logger
    )
    let grpcListener =
        grpc
        ? GRPCListener(
            host: "127.0.0.1",
            port: 0,
            security: .tls(
                certificatePath: certificate.certificatePath,
                privateKeyPath: certificate.privateKeyPath,
                clientCAPath: clientCAPath
            ),
            configuration: configuration,
            registry: registry.servingGRPC(state: servingState),
            authenticator: authenticator,
            servingState: servingState,
            connections: connections,
            logger: logger
        ) : nil
    let group = ServiceGroup(services: [server] + (grpcListener.map { [$0] } ?? []), logger: logger)
    try await withThrowingTaskGroup(of: Void.self) { tasks in
        tasks.addTask { try await group.run() }
        guard
            let address = try await withTimeout(
                .seconds(10),
                "the server to listen",
                { await server.listeningAddress() }
            ),
            let port = address.port
        else {
            throw TimedOut(what: "a listening address")
        }
        var grpcPort: Int?
        if let grpcListener {
            grpcPort = try await withTimeout(.seconds(10), "the gRPC listener to listen") {
                await grpcListener.listeningPort()
            }
            guard grpcPort != nil else { throw TimedOut(what: "a gRPC listening port") }
        }
        let testServer = TestServer(
            port: port,
            caPath: certificate.certificatePath,
            catalog: catalog,
            store: store,
            identity: identity,
            adminStore: sqlite,
            servingState: servingState,
            registry: registry,
            grpcPort: grpcPort,
            shutDown: { await group.triggerGracefulShutdown() }
        )
        do {
            try await body(testServer)
        } catch {
            await group.triggerGracefulShutdown()
            try? await tasks.waitForAll()
            throw error
        }
        await group.triggerGracefulShutdown()
        // Bounded by the server's drain timeout.
        try await tasks.waitForAll()
    }
}
