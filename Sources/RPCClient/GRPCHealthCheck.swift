public import Codec
public import GRPCCore
import GRPCNIOTransportHTTP2Posix
import GRPCProtobuf

/// The standard `grpc.health.v1.Health/Check` over the daemon's gRPC listener, through
/// grpc-swift's client: what a Kubernetes probe or grpc_health_probe asks (`rpc-client health
/// --grpc`, the container's HEALTHCHECK).
public enum GRPCHealthCheck {
    /// How long the check may take, connecting included: a probe answers or fails, it never hangs.
    public static let timeout = Duration.seconds(10)

    /// - Throws: grpc-swift's `RPCError` when the listener cannot be reached or refuses the call.
    public static func check(
        service: String,
        configuration: ClientConfiguration
    ) async throws -> Grpc_Health_V1_HealthCheckResponse {
        let transport = try HTTP2ClientTransport.Posix(
            target: Self.target(configuration),
            transportSecurity: Self.security(configuration.security)
        )
        var options = CallOptions.defaults
        options.timeout = Self.timeout
        // Fail at once when the listener cannot be reached, rather than wait for it to come.
        options.waitForReady = false
        return try await withGRPCClient(transport: transport) { client in
            try await client.unary(
                request: ClientRequest(message: Grpc_Health_V1_HealthCheckRequest.with { $0.service = service }),
                descriptor: MethodDescriptor(fullyQualifiedService: "grpc.health.v1.Health", method: "Check"),
                serializer: ProtobufSerializer<Grpc_Health_V1_HealthCheckRequest>(),
                deserializer: ProtobufDeserializer<Grpc_Health_V1_HealthCheckResponse>(),
                options: options
            ) { try $0.message }
        }
    }

    /// The status code's name as PROTOCOL.md spells it (gRPC's numbers are ours).
    public static func name(of code: RPCError.Code) -> String {
        StatusCode(rawValue: code.rawValue)?.name ?? "UNKNOWN"
    }

    /// The status as the proto spells it.
    public static func name(of status: Grpc_Health_V1_HealthCheckResponse.ServingStatus) -> String {
        switch status {
        case .unknown: "UNKNOWN"
        case .serving: "SERVING"
        case .notServing: "NOT_SERVING"
        case .serviceUnknown: "SERVICE_UNKNOWN"
        case .UNRECOGNIZED(let value): "\(value)"
        }
    }

    private static func target(_ configuration: ClientConfiguration) -> any ResolvableTarget {
        let host = configuration.host
        if host.contains(":") {
            return .ipv6(address: host, port: configuration.port)
        }
        if host.split(separator: ".").count == 4, host.allSatisfy({ $0.isNumber || $0 == "." }) {
            return .ipv4(address: host, port: configuration.port)
        }
        return .dns(host: host, port: configuration.port)
    }

    private static func security(
        _ security: ClientConfiguration.Security
    ) -> HTTP2ClientTransport.Posix.TransportSecurity {
        switch security {
        case .tls(let trustedCAPath):
            return .tls { $0.trustRoots = .certificates([.file(path: trustedCAPath, format: .pem)]) }
        case .tlsWithSystemRoots:
            return .tls
        case .mutualTLS(let trustedCAPath, let certificatePath, let privateKeyPath):
            return .mTLS(
                certificateChain: [.file(path: certificatePath, format: .pem)],
                privateKey: .file(path: privateKeyPath, format: .pem)
            ) { $0.trustRoots = .certificates([.file(path: trustedCAPath, format: .pem)]) }
        case .plaintext:
            return .plaintext
        }
    }
}
