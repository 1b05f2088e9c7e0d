import Codec
import GRPCCore
import GRPCProtobuf
import Telemetry

/// The standard `grpc.health.v1.Health` on the gRPC listener, from the `ServingState` the
/// framing's Health reads: SERVING while the store answers and the server is not draining.
/// It knows the whole server (the empty name) and every service the listener serves; all share
/// one status, as they share one store.
struct GRPCHealthService: RegistrableRPCService {
    static let serviceName = "grpc.health.v1.Health"

    /// Its methods, as the call metrics label them.
    static let callMethods = [
        CallMethod(service: serviceName, method: "Check"),
        CallMethod(service: serviceName, method: "Watch", type: "server_stream"),
    ]

    let state: ServingState
    let services: Set<String>

    /// - Parameter servedServices: every service on the listener, this one included.
    init(state: ServingState, servedServices: Set<String>) {
        self.state = state
        self.services = servedServices.union([""])
    }

    func registerMethods<Transport: ServerTransport>(with router: inout RPCRouter<Transport>) {
        router.registerHandler(
            forMethod: MethodDescriptor(fullyQualifiedService: Self.serviceName, method: "Check"),
            deserializer: ProtobufDeserializer<Grpc_Health_V1_HealthCheckRequest>(),
            serializer: ProtobufSerializer<Grpc_Health_V1_HealthCheckResponse>()
        ) { request, _ in
            let service = try await ServerRequest(stream: request).message.service
            guard self.services.contains(service) else {
                throw RPCError(code: .notFound, message: "unknown service \(service)")
            }
            return StreamingServerResponse(single: ServerResponse(message: Self.response(self.state.isServing)))
        }
        router.registerHandler(
            forMethod: MethodDescriptor(fullyQualifiedService: Self.serviceName, method: "Watch"),
            deserializer: ProtobufDeserializer<Grpc_Health_V1_HealthCheckRequest>(),
            serializer: ProtobufSerializer<Grpc_Health_V1_HealthCheckResponse>()
        ) { request, _ in
            let known = self.services.contains(try await ServerRequest(stream: request).message.service)
            return StreamingServerResponse { writer in
                // The status now and at each change, until the drain's NOT_SERVING ends the
                // stream; an unknown service is SERVICE_UNKNOWN, once, and the call stays open.
                var sent: Grpc_Health_V1_HealthCheckResponse?
                for await serving in self.state.changes() {
                    let response = known ? Self.response(serving) : .with { $0.status = .serviceUnknown }
                    if response != sent {
                        try await writer.write(response)
                        sent = response
                    }
                }
                return [:]
            }
        }
    }

    private static func response(_ serving: Bool) -> Grpc_Health_V1_HealthCheckResponse {
        .with { $0.status = serving ? .serving : .notServing }
    }
}
