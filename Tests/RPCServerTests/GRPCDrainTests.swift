import Codec
import GRPCCore
import TestSupport
import Testing

/// The gRPC listener at shutdown: GOAWAY, calls in flight finish within the drain timeout,
/// and those still running past it are ended.
@Suite struct GRPCDrainTests {
    @Test func aCallInFlightAtShutdownIsAnsweredWithinTheDrain() async throws {
        let slow = ControlledMethod()
        try await withTestServer(controlledMethod: slow, grpc: true) { server in
            let port = try #require(server.grpcPort)
            try await withGRPCClient(port: port, caPath: server.caPath) { client in
                async let answer = client.call(
                    ControlledMethod.name,
                    Catalog_V1_HealthCheckRequest(),
                    returning: Catalog_V1_HealthCheckResponse.self
                )
                try await slow.started.wait(forAtLeast: 1, limit: .seconds(60))
                await server.shutDown()
                // Draining now: Health says so, and the call in flight still gets its answer.
                try await eventually("the drain to start", limit: .seconds(60)) { !server.servingState.isServing }
                slow.gate.open()
                _ = try await answer
            }
        }
    }

    @Test func aCallStillRunningPastTheDrainTimeoutIsEnded() async throws {
        let stuck = ControlledMethod()
        defer { stuck.gate.open() }
        try await withTestServer(
            controlledMethod: stuck,
            grpc: true,
            configure: { $0.drainTimeout = .milliseconds(300) },
            body: { server in
                let port = try #require(server.grpcPort)
                try await withGRPCClient(port: port, caPath: server.caPath) { client in
                    let answer = Task {
                        try await client.call(
                            ControlledMethod.name,
                            Catalog_V1_HealthCheckRequest(),
                            returning: Catalog_V1_HealthCheckResponse.self
                        )
                    }
                    try await stuck.started.wait(forAtLeast: 1, limit: .seconds(60))
                    await server.shutDown()
                    // Never answered by its handler: the drain's end ends it, within a bound.
                    let ended = await #expect(throws: RPCError.self) {
                        try await withTimeout(.seconds(120), "the stuck call to end") { _ = try await answer.value }
                    }
                    #expect([.unavailable, .cancelled].contains(ended?.code), "\(String(describing: ended))")
                }
            }
        )
    }
}
