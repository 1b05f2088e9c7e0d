import Codec
import Domain
import Foundation
import Logging
import NIOCore
import RPCClient
import RPCServer
import ServiceLifecycle
import Storage
import TestSupport

/// A real server for one test: real TLS with a certificate made for this run, a real SQLite
/// file in a temporary folder, listening on 127.0.0.1:0.
struct TestServer: Sendable {
    var port: Int
    var caPath: String
    var catalog: ProductCatalog
    var store: CountingProductStore
    var servingState: ServingState
    /// Starts graceful shutdown, as SIGTERM does.
    var shutDown: @Sendable () async -> Void

    func clientConfiguration() -> ClientConfiguration {
        ClientConfiguration(host: "127.0.0.1", port: self.port, security: .tls(trustedCAPath: self.caPath))
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

/// Test-only identities; the shipped daemon has no way to make them.
struct TestAuthenticator: Authenticator {
    static let adminToken = "test-admin"
    static let admin = AdminIdentity(id: UUID(), username: "test-admin")

    func caller(authorization: String?) throws(DomainError) -> Caller {
        switch authorization {
        case nil: .anonymous
        case "Bearer \(Self.adminToken)": .admin(Self.admin)
        default: throw DomainError(.unauthenticated, "invalid access token")
        }
    }
}

/// Runs a server for `body`, then shuts it down gracefully and waits for it to stop.
func withTestServer(
    tls: Bool = true,
    authenticator: any Authenticator = TestAuthenticator(),
    maxFrameSize: Int? = nil,
    maxInFlight: Int? = nil,
    idleTimeout: Duration? = nil,
    handshakeTimeout: Duration? = nil,
    controlledMethod: ControlledMethod? = nil,
    _ body: @Sendable (TestServer) async throws -> Void
) async throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("catalog-rpc-\(UUID().uuidString)")
        .path
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: directory) }

    let sqlite = try SQLiteStore(path: directory + "/catalog.sqlite")
    defer { try? sqlite.close() }
    let store = CountingProductStore(wrapping: sqlite)
    let catalog = ProductCatalog(store: store)
    try await catalog.warmUp()

    let certificate = try SelfSignedCertificate.ensure(in: directory + "/tls")
    var configuration = ServerConfiguration()
    configuration.port = 0
    configuration.maxFrameSize = maxFrameSize ?? configuration.maxFrameSize
    configuration.maxInFlightCallsPerConnection = maxInFlight ?? configuration.maxInFlightCallsPerConnection
    configuration.idleTimeout = idleTimeout ?? configuration.idleTimeout
    configuration.handshakeTimeout = handshakeTimeout ?? configuration.handshakeTimeout
    let servingState = ServingState()
    var registry = MethodRegistry()
    registry.registerProductService(catalog)
    registry.registerHealthService(servingState)
    controlledMethod?.register(in: &registry)

    var logger = Logger(label: "test-server")
    logger.logLevel = .critical
    let server = CatalogServer(
        configuration: configuration,
        tls: tls
            ? try ServerTLS.makeContext(
                certificatePath: certificate.certificatePath,
                privateKeyPath: certificate.privateKeyPath
            )
            : nil,
        registry: registry,
        authenticator: authenticator,
        servingState: servingState,
        storeProbe: { await catalog.isStoreReachable() },
        logger: logger
    )
    let group = ServiceGroup(services: [server], logger: logger)
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
        let testServer = TestServer(
            port: port,
            caPath: certificate.certificatePath,
            catalog: catalog,
            store: store,
            servingState: servingState,
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
