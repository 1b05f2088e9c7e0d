import Codec
import Domain
import Logging
import NIOCore
import NIOEmbedded
import Testing

@testable import RPCServer

/// The handler on a testing channel: what it writes and whether it passes reads on.
@Suite struct ConnectionHandlerTests {
    /// Counts the read requests that reach the socket end of the pipeline.
    final class ReadCounter: ChannelOutboundHandler, Sendable {
        typealias OutboundIn = NIOAny
        // Touched only on the channel's event loop.
        nonisolated(unsafe) var reads = 0

        func read(context: ChannelHandlerContext) {
            self.reads += 1
            context.read()
        }
    }

    private func makeChannel(
        maxInFlight: Int,
        slow: ControlledMethod
    ) async throws -> (NIOAsyncTestingChannel, ReadCounter) {
        var configuration = ServerConfiguration()
        configuration.maxInFlightCallsPerConnection = maxInFlight
        var registry = MethodRegistry()
        registry.registerHealthService(ServingState())
        slow.register(in: &registry)
        let counter = ReadCounter()
        let channel = NIOAsyncTestingChannel()
        let frozenRegistry = registry
        let frozenConfiguration = configuration
        try await channel.testingEventLoop.executeInContext {
            try channel.pipeline.syncOperations.addHandler(counter)
            try channel.pipeline.syncOperations.addHandler(
                ConnectionHandler(
                    registry: frozenRegistry,
                    authenticator: AnonymousCallers(),
                    configuration: frozenConfiguration,
                    clientAddress: nil,
                    logger: Logger(label: "test")
                )
            )
        }
        return (channel, counter)
    }

    private func reads(_ counter: ReadCounter, on channel: NIOAsyncTestingChannel) async throws -> Int {
        try await channel.testingEventLoop.executeInContext { counter.reads }
    }

    private func frameBody(_ request: Catalog_V1_Request) throws -> ByteBuffer {
        ByteBuffer(bytes: try request.serializedBytes() as [UInt8])
    }

    @Test func readsStopAtTheBoundAndResumeWhenACallFinishes() async throws {
        let slow = ControlledMethod()
        let (channel, counter) = try await self.makeChannel(maxInFlight: 1, slow: slow)
        channel.read()
        #expect(try await self.reads(counter, on: channel) == 1)

        try await channel.writeInbound(try self.frameBody(try ControlledMethod.request(1)))
        channel.pipeline.fireChannelReadComplete()
        channel.read()
        #expect(try await self.reads(counter, on: channel) == 1, "the read is held while the call is in flight")

        try await slow.started.wait(forAtLeast: 1)
        slow.gate.open()
        _ = try await channel.waitForOutboundWrite(as: ByteBuffer.self)
        #expect(try await self.reads(counter, on: channel) == 2, "the held read resumed")
        _ = try? await channel.finish()
    }

    @Test func answersOfOneReadBurstGoOutAsOneWrite() async throws {
        let slow = ControlledMethod()
        let (channel, _) = try await self.makeChannel(maxInFlight: 8, slow: slow)
        let frames = try (UInt64(1)...3).map { callID in
            try self.frameBody(try .call(callID, CatalogMethod.healthCheck, Catalog_V1_HealthCheckRequest()))
        }
        // Three frames of one socket read: channelRead three times, then channelReadComplete once.
        try await channel.testingEventLoop.executeInContext {
            for frame in frames {
                channel.pipeline.syncOperations.fireChannelRead(NIOAny(frame))
            }
        }
        let early = try await channel.readOutbound(as: ByteBuffer.self)
        #expect(early == nil, "nothing is written before the burst ends")
        channel.pipeline.fireChannelReadComplete()
        var written = try await channel.waitForOutboundWrite(as: ByteBuffer.self)
        let more = try await channel.readOutbound(as: ByteBuffer.self)
        #expect(more == nil, "one buffer for the whole burst")
        var callIDs: [UInt64] = []
        while let length = written.readInteger(as: UInt32.self), let body = written.readSlice(length: Int(length)) {
            callIDs.append(try Catalog_V1_Response(serializedBytes: Array(body.readableBytesView)).callID)
        }
        #expect(callIDs == [1, 2, 3])
        _ = try? await channel.finish()
    }
}

/// Every call anonymous: these tests are about the handler, not about identity.
private struct AnonymousCallers: Authenticator {
    func authenticate(authorization: String?) throws(DomainError) -> Authentication {
        .caller(.anonymous)
    }
}
