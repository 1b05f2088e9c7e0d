import Codec

/// Standard gRPC server reflection, `grpc.reflection.v1.ServerReflection` and the older
/// `v1alpha` (grpcio-reflection and older grpcurl ask only for it), from the descriptor set built
/// into the binary: `grpcurl list` and `describe` work with no `.proto` files at hand. The two
/// versions' messages are the same on the wire, so both are read and answered as v1's.
enum GRPCReflectionService {
    static let serviceNames = ["grpc.reflection.v1.ServerReflection", "grpc.reflection.v1alpha.ServerReflection"]
}

extension MethodRegistry {
    /// Registers both reflection services: one answer per request, in order, until the caller
    /// ends its side. An answer waits for the caller to take the one before (HTTP/2's flow control).
    /// - Parameter servedServices: every service on the listener, these included.
    mutating func registerReflection(servedServices: Set<String>) {
        let index = ReflectionIndex.catalog(serviceNames: servedServices)
        for service in GRPCReflectionService.serviceNames {
            self.registerStreaming(
                service + "/ServerReflectionInfo",
                StreamingMethodHandler(access: .anyone, shape: .bidirectional) { call in
                    for await payload in call.requests {
                        let request = try decodeRequest(Grpc_Reflection_V1_ServerReflectionRequest.self, from: payload)
                        try await call.send(index.answer(request))
                    }
                }
            )
        }
    }
}
