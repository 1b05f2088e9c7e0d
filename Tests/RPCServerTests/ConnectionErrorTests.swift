import Codec
import Foundation
import NIOCore
import NIOPosix
import TestSupport
import Testing

@testable import RPCServer

/// PROTOCOL.md section 5: one call_id 0 frame with a status, then the server closes.
@Suite struct ConnectionErrorTests {
    private func healthRequest(_ callID: UInt64) throws -> Catalog_V1_Request {
        try .call(callID, CatalogMethod.healthCheck, Catalog_V1_HealthCheckRequest())
    }

    /// Expects exactly one frame, a connection error with `code`, and then the close.
    private func expectConnectionError(_ connection: FrameConnection, _ code: Catalog_V1_Code) async throws {
        let frames = try await connection.waitUntilClosed()
        #expect(frames.count == 1)
        #expect(frames.first?.callID == 0)
        #expect(frames.first?.status.code == code)
    }

    @Test func aFrameOverTheMaximumIsRefusedBeforeItsBodyIsSent() async throws {
        try await withTestServer(maxFrameSize: 1024) { server in
            let connection = try await FrameConnection.connect(port: server.port, caPath: server.caPath)
            var header = ByteBuffer()
            header.writeInteger(UInt32(1025))
            // Only the length goes out: the server answers without waiting for the body.
            try await connection.send(bytes: header)
            try await self.expectConnectionError(connection, .resourceExhausted)
        }
    }

    @Test func aBodyThatIsNotARequestClosesTheConnection() async throws {
        try await withTestServer { server in
            let connection = try await FrameConnection.connect(port: server.port, caPath: server.caPath)
            var frame = ByteBuffer()
            frame.writeFrame(body: [0xFF, 0xFF, 0xFF, 0xFF])
            try await connection.send(bytes: frame)
            try await self.expectConnectionError(connection, .invalidArgument)
        }
    }

    @Test func callIDZeroClosesTheConnection() async throws {
        try await withTestServer { server in
            let connection = try await FrameConnection.connect(port: server.port, caPath: server.caPath)
            try await connection.send(try self.healthRequest(0))
            try await self.expectConnectionError(connection, .invalidArgument)
        }
    }

    @Test func aDuplicateInFlightCallIDClosesAfterAnsweringTheFirst() async throws {
        let slow = ControlledMethod()
        try await withTestServer(controlledMethod: slow) { server in
            let connection = try await FrameConnection.connect(port: server.port, caPath: server.caPath)
            // One write, so both frames are decoded in one pass on the event loop: the duplicate is
            // seen before the first call can finish.
            try await connection.send([try ControlledMethod.request(7), try self.healthRequest(7)])
            try await slow.started.wait(forAtLeast: 1)
            // The call in flight is answered first where possible, then the error, then the close.
            slow.gate.open()
            let frames = try await connection.waitUntilClosed()
            #expect(frames.map(\.callID) == [7, 0])
            #expect(frames.first?.hasStatus == false)
            #expect(frames.last?.status.code == .invalidArgument)
        }
    }

    // The idle timeout is tested on virtual time in ConnectionHandlerTests: a wall-clock test of it
    // fails on a busy machine.

    @Test func shutdownFinishesCallsInFlightThenSaysUnavailable() async throws {
        let slow = ControlledMethod()
        try await withTestServer(controlledMethod: slow) { server in
            let connection = try await FrameConnection.connect(port: server.port, caPath: server.caPath)
            try await connection.send(try ControlledMethod.request(1))
            try await slow.started.wait(forAtLeast: 1)
            let shutdown = Task { await server.shutDown() }
            // Awaited: the serving state tells its watchers when the drain starts.
            try await withTimeout(.seconds(60), "draining") {
                for await serving in server.servingState.changes() where !serving {
                    break
                }
            }
            slow.gate.open()
            let frames = try await connection.waitUntilClosed()
            #expect(frames.map(\.callID) == [1, 0])
            #expect(frames.first?.hasStatus == false, "the call in flight finished normally")
            #expect(frames.last?.status.code == .unavailable)
            await shutdown.value
        }
    }
}
