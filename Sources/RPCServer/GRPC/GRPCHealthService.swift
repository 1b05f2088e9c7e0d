import Codec

/// The standard `grpc.health.v1.Health` on the gRPC listener, from the `ServingState` the
/// framing's Health reads: SERVING while the store answers and the server is not draining.
/// It knows the whole server (the empty name) and every service the listener serves; all share
/// one status, as they share one store.
enum GRPCHealthService {
    static let serviceName = "grpc.health.v1.Health"
    static let check = serviceName + "/Check"
    static let watch = serviceName + "/Watch"
}

extension MethodRegistry {
    /// Registers `grpc.health.v1.Health`: Check answered on the event loop; Watch a stream of the
    /// status now and at each change, until the drain's NOT_SERVING ends it (an unknown service
    /// is SERVICE_UNKNOWN, once, and the call stays open, as the spec says).
    /// - Parameter servedServices: every service on the listener, Health's own included.
    mutating func registerGRPCHealth(_ state: ServingState, servedServices: Set<String>) {
        let services = servedServices.union([""])
        self.register(
            GRPCHealthService.check,
            .synchronous(Grpc_Health_V1_HealthCheckRequest.self, access: .anyone) { request, _ in
                guard services.contains(request.service) else {
                    throw RPCStatus(.notFound, "unknown service \(request.service)")
                }
                return .completed(Self.healthResponse(state.isServing))
            }
        )
        self.registerStreaming(
            GRPCHealthService.watch,
            StreamingMethodHandler(access: .anyone, shape: .serverStreaming) { call in
                let request = try await call.firstRequest(Grpc_Health_V1_HealthCheckRequest.self)
                let known = services.contains(request.service)
                var sent: Grpc_Health_V1_HealthCheckResponse?
                // Ends when the caller goes: the task is cancelled, and so is the sequence.
                for await serving in state.changes() {
                    let response = known ? Self.healthResponse(serving) : .with { $0.status = .serviceUnknown }
                    if response != sent {
                        try await call.send(response)
                        sent = response
                    }
                }
            }
        )
    }

    private static func healthResponse(_ serving: Bool) -> Grpc_Health_V1_HealthCheckResponse {
        .with { $0.status = serving ? .serving : .notServing }
    }
}
