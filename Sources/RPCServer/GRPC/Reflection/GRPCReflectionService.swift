import Codec
import GRPCCore
import GRPCProtobuf
import Telemetry

/// Standard gRPC server reflection, `grpc.reflection.v1.ServerReflection` and the older
/// `v1alpha` (grpcio-reflection and older grpcurl ask only for it), from the descriptor set built
/// into the binary: `grpcurl list` and `describe` work with no `.proto` files at hand. The two
/// versions' messages are the same on the wire, so both are read and answered as v1's.
struct GRPCReflectionService: RegistrableRPCService {
    static let serviceNames = ["grpc.reflection.v1.ServerReflection", "grpc.reflection.v1alpha.ServerReflection"]

    /// Its methods, as the call metrics label them.
    static let callMethods = serviceNames.map {
        CallMethod(service: $0, method: "ServerReflectionInfo", type: "bidi_stream")
    }

    let index: ReflectionIndex

    /// - Parameter servedServices: every service on the listener, these included.
    init(servedServices: Set<String>) {
        self.index = .catalog(serviceNames: servedServices)
    }

    func registerMethods<Transport: ServerTransport>(with router: inout RPCRouter<Transport>) {
        for service in Self.serviceNames {
            router.registerHandler(
                forMethod: MethodDescriptor(fullyQualifiedService: service, method: "ServerReflectionInfo"),
                deserializer: ProtobufDeserializer<Grpc_Reflection_V1_ServerReflectionRequest>(),
                serializer: ProtobufSerializer<Grpc_Reflection_V1_ServerReflectionResponse>()
            ) { request, _ in
                StreamingServerResponse { writer in
                    // One answer per request, in order, until the client ends its side. HTTP/2 flow
                    // control holds the loop while the client does not read.
                    for try await message in request.messages {
                        try await writer.write(self.index.answer(message))
                    }
                    return [:]
                }
            }
        }
    }
}
