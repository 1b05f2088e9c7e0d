import GRPCCore
import GRPCNIOTransportHTTP2Posix
import TestSupport
import Testing

/// grpc-swift's client on the test server's gRPC listener, over its TLS.
func withGRPCClient<Result: Sendable>(
    _ server: TestServer,
    _ body: (GRPCClient<HTTP2ClientTransport.Posix>) async throws -> Result
) async throws -> Result {
    let port = try #require(server.grpcPort, "the test server was started with grpc: true")
    return try await withGRPCClient(port: port, caPath: server.caPath, body)
}
