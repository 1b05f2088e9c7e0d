import Codec
import GRPCCore
import RPCClient
import TestSupport
import Testing

/// The framing's connection limits on the gRPC listener: one count of connections for both
/// listeners, and the TLS handshake's bound.
@Suite struct GRPCConnectionLimitsTests {
    @Test func aHandshakeThatNeverStartsIsClosedAtTheTimeout() async throws {
        try await withTestServer(handshakeTimeout: .milliseconds(200), grpc: true) { server async throws in
            // A raw TCP connection that sends nothing; the idle timeout (300 s) is far off.
            let connection = try await FrameConnection.connect(port: try #require(server.grpcPort), caPath: nil)
            #expect(try await connection.waitUntilClosed(limit: .seconds(30)).isEmpty)
        }
    }

    @Test func theCapsCountBothListenersConnectionsTogether() async throws {
        try await withTestServer(
            grpc: true,
            configure: { $0.maxConnectionsPerAddress = 1 },
            body: { server async throws in
                let grpcPort = try #require(server.grpcPort)
                // Fail at once rather than wait for a connection that will not come.
                let once = {
                    var options = CallOptions.defaults
                    options.waitForReady = false
                    return options
                }()
                try await server.withClient { framing in
                    _ = try await framing.health()
                    // The framing's connection is this address's one: the gRPC one is turned away.
                    let refused = await #expect(throws: RPCError.self) {
                        try await withGRPCClient(port: grpcPort, caPath: server.caPath) { client in
                            try await client.call(
                                CatalogMethod.healthCheck,
                                Catalog_V1_HealthCheckRequest(),
                                options: once,
                                returning: Catalog_V1_HealthCheckResponse.self
                            )
                        }
                    }
                    #expect(refused?.code == .unavailable)
                }
                // Once it closed, a gRPC connection is served.
                try await eventually("a gRPC connection to be served", limit: .seconds(30)) {
                    let status = try? await withGRPCClient(port: grpcPort, caPath: server.caPath) { client in
                        try await client.call(
                            CatalogMethod.healthCheck,
                            Catalog_V1_HealthCheckRequest(),
                            options: once,
                            returning: Catalog_V1_HealthCheckResponse.self
                        ).status
                    }
                    return status == .serving
                }
            }
        )
    }
}
