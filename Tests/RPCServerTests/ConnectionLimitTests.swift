import Codec
import Foundation
import NIOCore
import RPCServer
import TestSupport
import Testing

/// PROTOCOL.md section 10 over real TLS: connection caps, the frame timeout, and a drain
/// that ends although a call never does.
@Suite struct ConnectionLimitTests {
    private func health(_ callID: UInt64) throws -> Catalog_V1_Request {
        try .call(callID, CatalogMethod.healthCheck, Catalog_V1_HealthCheckRequest())
    }

    /// Connects from `address` and checks that Health is answered.
    private func servedConnection(_ server: TestServer, from address: String) async throws -> FrameConnection {
        let connection = try await FrameConnection.connect(
            port: server.port,
            caPath: server.caPath,
            sourceAddress: address
        )
        try await connection.send(try self.health(1))
        let answer = try #require(try await connection.next())
        #expect(answer.callID == 1)
        #expect(answer.status.code == .ok)
        return connection
    }

    /// Connects from `address` and expects the refusal: one RESOURCE_EXHAUSTED connection error.
    private func expectRefused(_ server: TestServer, from address: String, saying words: String) async throws {
        let connection = try await FrameConnection.connect(
            port: server.port,
            caPath: server.caPath,
            sourceAddress: address
        )
        let frames = try await connection.waitUntilClosed()
        #expect(frames.map(\.callID) == [0])
        #expect(frames.first?.status.code == .resourceExhausted)
        #expect(frames.first?.status.message.contains(words) == true)
    }

    @Test func pastTheCapsANewConnectionIsRefusedAndOthersStillWork() async throws {
        let limits: (inout ServerConfiguration) -> Void = {
            $0.maxConnections = 3
            $0.maxConnectionsPerAddress = 2
        }
        try await withTestServer(
            configure: limits,
            body: { server in
                let first = try await self.servedConnection(server, from: "127.0.0.5")
                let second = try await self.servedConnection(server, from: "127.0.0.5")
                try await self.expectRefused(server, from: "127.0.0.5", saying: "from your address")
                let third = try await self.servedConnection(server, from: "127.0.0.6")
                try await self.expectRefused(server, from: "127.0.0.7", saying: "too many connections")
                // The open connections are still served.
                try await second.send(try self.health(2))
                #expect(try await second.next()?.status.code == .ok)

                // A closed connection makes room again.
                await first.close()
                try await eventually("the server to count the closed connection") {
                    guard
                        let connection = try? await FrameConnection.connect(
                            port: server.port,
                            caPath: server.caPath,
                            sourceAddress: "127.0.0.7"
                        )
                    else { return false }
                    defer { Task { await connection.close() } }
                    try await connection.send(try self.health(1))
                    return try await connection.next()?.status.code == .ok
                }
                await second.close()
                await third.close()
            }
        )
    }

    @Test func aFrameThatStallsIsClosedAfterTheFrameTimeout() async throws {
        try await withTestServer(
            configure: { $0.frameTimeout = .seconds(1) },
            body: { server in
                let connection = try await FrameConnection.connect(port: server.port, caPath: server.caPath)
                var frame = ByteBuffer()
                try frame.writeFrame(try self.health(1))
                // The length and one byte of the body, and then nothing. The clock starts before the
                // send: the server's starts when the bytes arrive, which on a busy machine can be
                // well before the send returns here.
                let started = ContinuousClock.now
                try await connection.send(bytes: frame.getSlice(at: 0, length: 5)!)
                let frames = try await connection.waitUntilClosed(limit: .seconds(30))
                #expect(ContinuousClock.now - started >= .milliseconds(900))
                #expect(frames.map(\.callID) == [0])
                #expect(frames.first?.status.code == .resourceExhausted)
            }
        )
    }

    @Test func aDrainEndsAtItsTimeoutWithTheStuckCallAnsweredUnavailable() async throws {
        let stuck = ControlledMethod()
        try await withTestServer(
            controlledMethod: stuck,
            configure: { $0.drainTimeout = .seconds(1) },
            body: { server in
                let connection = try await FrameConnection.connect(port: server.port, caPath: server.caPath)
                try await connection.send(try ControlledMethod.request(1, timeoutMs: 3_600_000))
                try await stuck.started.wait(forAtLeast: 1)
                // The gate never opens: only the drain timeout can end this call.
                try await withTimeout(.seconds(30), "the server to stop") { await server.shutDown() }
                let frames = try await connection.waitUntilClosed(limit: .seconds(30))
                #expect(frames.map(\.callID) == [1, 0])
                #expect(frames.allSatisfy { $0.status.code == .unavailable })
            }
        )
    }
}
