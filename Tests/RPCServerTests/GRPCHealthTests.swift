import Codec
import GRPCCore
import GRPCProtobuf
import Testing

@testable import RPCServer

/// grpc.health.v1.Health on the gRPC listener, as grpc_health_probe and Kubernetes call it.
@Suite struct GRPCHealthTests {
    private static let check = MethodDescriptor(fullyQualifiedService: "grpc.health.v1.Health", method: "Check")
    private static let watch = MethodDescriptor(fullyQualifiedService: "grpc.health.v1.Health", method: "Watch")

    @Test func checkKnowsTheServerAndEachOfItsServices() async throws {
        try await withTestServer(grpc: true) { server in
            try await withGRPCClient(server) { client async throws in
                for service in [
                    "", "catalog.v1.ProductService", "catalog.v1.AdminService", "grpc.health.v1.Health",
                    "grpc.reflection.v1.ServerReflection",
                ] {
                    #expect(try await Self.check(client, service).status == .serving, "\(service)")
                }
                let unknown = await #expect(throws: RPCError.self) {
                    try await Self.check(client, "catalog.v1.Nothing")
                }
                #expect(unknown?.code == .notFound)
            }
        }
    }

    @Test func watchersSeeTheStoreGoAndComeAndTheDrainEndsTheirStream() async throws {
        // No probe loop of the server's own: the test moves the store's reachability itself.
        try await withTestServer(
            grpc: true,
            configure: { $0.healthProbeInterval = .seconds(3600) },
            body: { server in
                try await withGRPCClient(server) { client in
                    let seen = try await client.serverStreaming(
                        request: ClientRequest(message: Grpc_Health_V1_HealthCheckRequest()),
                        descriptor: Self.watch,
                        serializer: ProtobufSerializer<Grpc_Health_V1_HealthCheckRequest>(),
                        deserializer: ProtobufDeserializer<Grpc_Health_V1_HealthCheckResponse>(),
                        options: .defaults
                    ) { response in
                        var seen: [Grpc_Health_V1_HealthCheckResponse.ServingStatus] = []
                        for try await message in response.messages {
                            seen.append(message.status)
                            switch seen.count {
                            case 1: server.servingState.setStoreReachable(false)
                            case 2: server.servingState.setStoreReachable(true)
                            case 3: await server.shutDown()
                            default: break
                            }
                        }
                        return seen
                    }
                    #expect(seen == [.serving, .notServing, .serving, .notServing])
                }
            }
        )
    }

    @Test func anUnknownServiceIsWatchedAsUnknownOnce() async throws {
        try await withTestServer(grpc: true) { server in
            try await withGRPCClient(server) { client in
                let first = try await client.serverStreaming(
                    request: ClientRequest(message: .with { $0.service = "catalog.v1.Nothing" }),
                    descriptor: Self.watch,
                    serializer: ProtobufSerializer<Grpc_Health_V1_HealthCheckRequest>(),
                    deserializer: ProtobufDeserializer<Grpc_Health_V1_HealthCheckResponse>(),
                    options: .defaults
                ) { response async throws -> Grpc_Health_V1_HealthCheckResponse.ServingStatus? in
                    for try await message in response.messages {
                        return message.status
                    }
                    return nil
                }
                #expect(first == .serviceUnknown)
            }
        }
    }

    @Test func servingStateTellsEachWatcherItsChangesInOrderAndEndsThemAtTheDrain() async throws {
        let state = ServingState()
        var watcher = state.changes().makeAsyncIterator()
        #expect(await watcher.next() == true, "the status now")
        state.setStoreReachable(false)
        #expect(await watcher.next() == false)
        state.setStoreReachable(false)  // no change: nothing told
        state.setStoreReachable(true)
        #expect(await watcher.next() == true)
        state.startDraining()
        #expect(await watcher.next() == false)
        #expect(await watcher.next() == nil, "the drain ends the stream")
        #expect(await Array(state.changes()) == [false], "a watcher after the drain is told at once, and ended")
    }

    private static func check(
        _ client: GRPCClient<some ClientTransport>,
        _ service: String
    ) async throws -> Grpc_Health_V1_HealthCheckResponse {
        try await client.unary(
            request: ClientRequest(message: .with { $0.service = service }),
            descriptor: Self.check,
            serializer: ProtobufSerializer<Grpc_Health_V1_HealthCheckRequest>(),
            deserializer: ProtobufDeserializer<Grpc_Health_V1_HealthCheckResponse>(),
            options: .defaults
        ) { try $0.message }
    }
}

extension Array {
    fileprivate init<S: AsyncSequence>(_ sequence: S) async where S.Element == Element, S.Failure == Never {
        var elements: [Element] = []
        for await element in sequence {
            elements.append(element)
        }
        self = elements
    }
}
