import Codec
import Foundation
import NIOCore
import RPCClient
import TestSupport
import Testing

/// PROTOCOL.md section 4: many calls per connection, answered in any order, bounded in flight.
@Suite struct CallMultiplexingTests {
    private func healthRequest(_ callID: UInt64) throws -> Catalog_V1_Request {
        try .call(callID, CatalogMethod.healthCheck, Catalog_V1_HealthCheckRequest())
    }

    @Test func thousandPipelinedCallsWithAHundredInFlightAreAllAnswered() async throws {
        try await withTestServer { server in
            let sku = try await server.withClient(accessToken: try await server.accessToken()) { admin in
                try await admin.createProduct(name: "Lamp", brand: "Acme", priceCents: 1).sku
            }
            let connection = try await FrameConnection.connect(port: server.port, caPath: server.caPath)
            var request = Catalog_V1_GetProductRequest()
            request.sku = sku
            var answered: Set<UInt64> = []
            var nextID: UInt64 = 1
            // Keep 100 calls in flight: send 100, then one more for each answer, until 1,000.
            try await connection.send((1...100).map { try .call($0, CatalogMethod.getProduct, request) })
            nextID = 101
            while answered.count < 1000 {
                let response = try #require(try await connection.next())
                #expect(!response.hasStatus, "call \(response.callID) failed: \(response.status.message)")
                #expect(try Catalog_V1_Product(serializedBytes: response.payload).sku == sku)
                #expect(answered.insert(response.callID).inserted, "call \(response.callID) answered twice")
                if nextID <= 1000 {
                    try await connection.send(try .call(nextID, CatalogMethod.getProduct, request))
                    nextID += 1
                }
            }
            #expect(answered == Set(1...1000))
            await connection.close()
        }
    }

    @Test func callsAreAnsweredInTheOrderTheyFinish() async throws {
        let slow = ControlledMethod()
        try await withTestServer(controlledMethod: slow) { server in
            let connection = try await FrameConnection.connect(port: server.port, caPath: server.caPath)
            try await connection.send(try ControlledMethod.request(1))
            try await slow.started.wait(forAtLeast: 1)
            try await connection.send(try self.healthRequest(2))
            #expect(try await connection.next()?.callID == 2, "the quick call overtakes the slow one")
            slow.gate.open()
            #expect(try await connection.next()?.callID == 1)
            await connection.close()
        }
    }

    @Test func atTheBoundTheServerStopsReadingAndDropsNothing() async throws {
        let slow = ControlledMethod()
        try await withTestServer(
            maxInFlight: 4,
            controlledMethod: slow
        ) { server in
            let connection = try await FrameConnection.connect(port: server.port, caPath: server.caPath)
            try await connection.send((1...10).map { try ControlledMethod.request($0) })
            try await slow.started.wait(forAtLeast: 4)
            // The bound holds: a health call sent now waits behind the held calls.
            try await connection.send(try self.healthRequest(11))
            await #expect(throws: TimedOut.self) { _ = try await connection.next(limit: .milliseconds(300)) }
            #expect(slow.started.count == 4)
            slow.gate.open()
            var answered: Set<UInt64> = []
            for _ in 1...11 {
                let response = try #require(try await connection.next())
                #expect(!response.hasStatus)
                answered.insert(response.callID)
            }
            #expect(answered == Set(1...11))
            await connection.close()
        }
    }

    @Test func aCallPastItsDeadlineIsDeadlineExceededAndTheConnectionGoesOn() async throws {
        let slow = ControlledMethod()
        try await withTestServer(controlledMethod: slow) { server in
            let connection = try await FrameConnection.connect(port: server.port, caPath: server.caPath)
            try await connection.send(try ControlledMethod.request(1, timeoutMs: 50))
            let response = try #require(try await connection.next())
            #expect(response.callID == 1)
            #expect(response.status.code == .deadlineExceeded)
            slow.gate.open()
            try await connection.send(try self.healthRequest(1))
            #expect(try await connection.next()?.callID == 1, "the call id is free again")
            await connection.close()
        }
    }

    @Test func unknownMethodAndBadPayloadFailTheCallOnly() async throws {
        try await withTestServer { server in
            let connection = try await FrameConnection.connect(port: server.port, caPath: server.caPath)
            try await connection.send(try .call(1, "catalog.v1.Nope/Nothing", Catalog_V1_HealthCheckRequest()))
            let unknown = try #require(try await connection.next())
            #expect(unknown.callID == 1)
            #expect(unknown.status.code == .unimplemented)

            var garbage = Catalog_V1_Request()
            garbage.callID = 2
            garbage.method = CatalogMethod.getProduct
            garbage.payload = Data([0xFF, 0xFF, 0xFF])
            try await connection.send(garbage)
            let unparsable = try #require(try await connection.next())
            #expect(unparsable.callID == 2)
            #expect(unparsable.status.code == .invalidArgument)

            try await connection.send(try self.healthRequest(3))
            let health = try #require(try await connection.next())
            #expect(health.callID == 3)
            #expect(try Catalog_V1_HealthCheckResponse(serializedBytes: health.payload).status == .serving)
            await connection.close()
        }
    }
}
