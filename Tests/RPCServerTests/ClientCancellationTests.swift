import Codec
import Foundation
import TestSupport
import Testing

@testable import RPCClient

/// Issue 12, item 11: the client gives up a cancelled call at once and refuses an oversize frame.
@Suite struct ClientCancellationTests {
    @Test func aCancelledCallIsAnsweredCancelledAtOnceAndTheConnectionGoesOn() async throws {
        let held = ControlledMethod()
        try await withTestServer(controlledMethod: held) { server in
            try await server.withClient { client async throws in
                let call = Task {
                    try await client.call(
                        ControlledMethod.name,
                        Catalog_V1_HealthCheckRequest(),
                        returning: Catalog_V1_HealthCheckResponse.self,
                        timeout: .seconds(3600)
                    )
                }
                try await held.started.wait(forAtLeast: 1)
                call.cancel()
                // Bounded well below the call's hour-long deadline.
                let outcome = try await withTimeout(.seconds(10), "the cancelled call to end") { await call.result }
                guard case .failure(let error) = outcome, let status = error as? RPCStatus else {
                    Issue.record("a cancelled call fails with an RPCStatus")
                    return
                }
                #expect(status.code == .cancelled)
                #expect(try await client.health() == .serving)
                held.gate.open()
            }
        }
    }

    @Test func aFrameOverTheClientsMaximumFailsTheConnectionWithResourceExhausted() async throws {
        try await withTestServer { server in
            let token = try await server.accessToken()
            try await server.withClient(accessToken: token) { admin in
                _ = try await admin.createProduct(name: "A lamp with a long name", brand: "Acme", priceCents: 100)
            }
            var configuration = server.clientConfiguration()
            configuration.maxFrameSize = 64
            try await CatalogClient.withClient(configuration) { client async throws in
                #expect(try await client.health() == .serving, "a small answer fits")
                let error = await #expect(throws: RPCStatus.self) {
                    _ = try await client.listProducts()
                }
                #expect(error?.code == .resourceExhausted)
            }
        }
    }
}
