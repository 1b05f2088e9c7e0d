public import GRPCCore
public import GRPCNIOTransportHTTP2Posix
import GRPCProtobuf
public import SwiftProtobuf

/// grpc-swift's own client, not ours, connected to 127.0.0.1:`port`: what any gRPC caller
/// would send. TLS trusting `caPath`, or plaintext when it is `nil`.
public func withGRPCClient<Result: Sendable>(
    port: Int,
    caPath: String?,
    _ body: (GRPCClient<HTTP2ClientTransport.Posix>) async throws -> Result
) async throws -> Result {
    let security: HTTP2ClientTransport.Posix.TransportSecurity =
        if let caPath {
            .tls { tls in tls.trustRoots = .certificates([.file(path: caPath, format: .pem)]) }
        } else {
            .plaintext
        }
    let transport = try HTTP2ClientTransport.Posix(
        target: .ipv4(address: "127.0.0.1", port: port),
        transportSecurity: security
    )
    return try await withGRPCClient(transport: transport) { client in try await body(client) }
}

extension GRPCClient {
    /// One unary call of a catalog method (`package.Service/Method`), with a bearer token when given.
    public func call<Request: SwiftProtobuf.Message, Response: SwiftProtobuf.Message>(
        _ method: String,
        _ request: Request,
        token: String? = nil,
        options: CallOptions = .defaults,
        returning: Response.Type = Response.self
    ) async throws -> Response {
        var metadata: Metadata = [:]
        if let token {
            metadata.addString("Bearer \(token)", forKey: "authorization")
        }
        let parts = method.split(separator: "/")
        return try await self.unary(
            request: ClientRequest(message: request, metadata: metadata),
            descriptor: MethodDescriptor(fullyQualifiedService: String(parts[0]), method: String(parts[1])),
            serializer: ProtobufSerializer<Request>(),
            deserializer: ProtobufDeserializer<Response>(),
            options: options
        ) { try $0.message }
    }
}
