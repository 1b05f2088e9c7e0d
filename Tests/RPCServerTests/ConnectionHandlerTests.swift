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
        slow: ControlledMethod,
        configure: (inout ServerConfiguration) -> Void = { _ in }
    ) async throws -> (NIOAsyncTestingChannel, ReadCounter) {
        var configuration = ServerConfiguration()
        configuration.maxInFlightCallsPerConnection = maxInFlight
        configure(&configuration)
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
                    now: channel.testingEventLoop.now,
                    logger: Logger(label: "test")
                )
            )
        }
        // Active, as an accepted connection is, so that a test sees it close.
        try await channel.connect(to: try SocketAddress(ipAddress: "127.0.0.1", port: 7443))
        return (channel, counter)
    }

    private func reads(_ counter: ReadCounter, on channel: NIOAsyncTestingChannel) async throws -> Int {
        try await channel.testingEventLoop.executeInContext { counter.reads }
    }

    /// One frame as it arrives on the socket: length, then body.
    private func frame(_ request: Catalog_V1_Request) throws -> ByteBuffer {
        var buffer = ByteBuffer()
        try buffer.writeFrame(request)
        return buffer
    }

    /// The frames of one written buffer.
    private func responses(in written: ByteBuffer) throws -> [Catalog_V1_Response] {
        var written = written
        var responses: [Catalog_V1_Response] = []
        while let length = written.readInteger(as: UInt32.self), let body = written.readSlice(length: Int(length)) {
            responses.append(try Catalog_V1_Response(serializedBytes: Array(body.readableBytesView)))
        }
        return responses
    }

    private func health(_ callID: UInt64) throws -> Catalog_V1_Request {
        try .call(callID, CatalogMethod.healthCheck, Catalog_V1_HealthCheckRequest())
    }

    @Test func readsStopAtTheBoundAndResumeWhenACallFinishes() async throws {
        let slow = ControlledMethod()
        let (channel, counter) = try await self.makeChannel(maxInFlight: 1, slow: slow)
        channel.read()
        #expect(try await self.reads(counter, on: channel) == 1)

        try await channel.writeInbound(try self.frame(try ControlledMethod.request(1)))
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
        let frames = try (UInt64(1)...3).map { callID in try self.frame(try self.health(callID)) }
        // Three frames of one socket read: channelRead three times, then channelReadComplete once.
        try await channel.testingEventLoop.executeInContext {
            for frame in frames {
                channel.pipeline.syncOperations.fireChannelRead(NIOAny(frame))
            }
        }
        let early = try await channel.readOutbound(as: ByteBuffer.self)
        #expect(early == nil, "nothing is written before the burst ends")
        channel.pipeline.fireChannelReadComplete()
        let written = try await channel.waitForOutboundWrite(as: ByteBuffer.self)
        let more = try await channel.readOutbound(as: ByteBuffer.self)
        #expect(more == nil, "one buffer for the whole burst")
        #expect(try self.responses(in: written).map(\.callID) == [1, 2, 3])
        _ = try? await channel.finish()
    }

    // Virtual time from here on: the channel's clock moves only when the test moves it, so
    // these pass however busy the machine is.

    @Test func anIdleConnectionIsClosedWithUnavailableAfterTheIdleTimeout() async throws {
        let (channel, _) = try await self.makeChannel(maxInFlight: 4, slow: ControlledMethod()) {
            $0.idleTimeout = .seconds(300)
        }
        try await channel.writeInbound(try self.frame(try self.health(1)))
        channel.pipeline.fireChannelReadComplete()
        #expect(try self.responses(in: try await channel.waitForOutboundWrite(as: ByteBuffer.self)).count == 1)
        await channel.testingEventLoop.advanceTime(by: .seconds(299))
        #expect(channel.isActive)
        await channel.testingEventLoop.advanceTime(by: .seconds(1))
        let closing = try self.responses(in: try await channel.waitForOutboundWrite(as: ByteBuffer.self))
        #expect(closing.map(\.callID) == [0])
        #expect(closing.first?.status.code == .unavailable)
        try await channel.closeFuture.get()
    }

    @Test func aCallInFlightKeepsTheConnectionOpenPastTheIdleTimeout() async throws {
        let slow = ControlledMethod()
        let (channel, _) = try await self.makeChannel(maxInFlight: 4, slow: slow) { $0.idleTimeout = .seconds(1) }
        try await channel.writeInbound(try self.frame(try ControlledMethod.request(1, timeoutMs: 3_600_000)))
        channel.pipeline.fireChannelReadComplete()
        try await slow.started.wait(forAtLeast: 1)
        await channel.testingEventLoop.advanceTime(by: .seconds(10))
        #expect(channel.isActive)
        slow.gate.open()
        let answer = try self.responses(in: try await channel.waitForOutboundWrite(as: ByteBuffer.self))
        #expect(answer.map(\.callID) == [1])
        _ = try? await channel.finish()
    }

    @Test func aStartedFrameThatStallsIsClosedAfterTheFrameTimeout() async throws {
        let (channel, _) = try await self.makeChannel(maxInFlight: 4, slow: ControlledMethod()) {
            $0.frameTimeout = .seconds(10)
        }
        var partial = try self.frame(try self.health(1))
        try await channel.writeInbound(partial.readSlice(length: 6)!)
        channel.pipeline.fireChannelReadComplete()
        await channel.testingEventLoop.advanceTime(by: .seconds(9))
        #expect(channel.isActive)
        await channel.testingEventLoop.advanceTime(by: .seconds(1))
        let closing = try self.responses(in: try await channel.waitForOutboundWrite(as: ByteBuffer.self))
        #expect(closing.first?.callID == 0)
        #expect(closing.first?.status.code == .resourceExhausted)
        try await channel.closeFuture.get()
    }

    @Test func unreadAnswersHoldReadingAndAPeerThatReadsNothingIsClosedAtTheWriteTimeout() async throws {
        let (channel, counter) = try await self.makeChannel(maxInFlight: 4, slow: ControlledMethod()) {
            $0.writeTimeout = .seconds(30)
        }
        channel.read()
        #expect(try await self.reads(counter, on: channel) == 1)
        // The socket's unwritten bytes crossed the high water mark.
        channel.isWritable = false
        channel.pipeline.fireChannelWritabilityChanged()
        channel.read()
        #expect(try await self.reads(counter, on: channel) == 1, "no read while answers wait unread")
        channel.isWritable = true
        channel.pipeline.fireChannelWritabilityChanged()
        #expect(try await self.reads(counter, on: channel) == 2, "the held read resumes once they drain")

        channel.isWritable = false
        channel.pipeline.fireChannelWritabilityChanged()
        await channel.testingEventLoop.advanceTime(by: .seconds(29))
        #expect(channel.isActive)
        await channel.testingEventLoop.advanceTime(by: .seconds(1))
        try await channel.closeFuture.get()
    }

    @Test func atTheDrainTimeoutACallThatNeverFinishesIsAnsweredUnavailable() async throws {
        let slow = ControlledMethod()
        let (channel, _) = try await self.makeChannel(maxInFlight: 4, slow: slow) { $0.drainTimeout = .seconds(10) }
        try await channel.writeInbound(try self.frame(try ControlledMethod.request(1, timeoutMs: 3_600_000)))
        channel.pipeline.fireChannelReadComplete()
        try await slow.started.wait(forAtLeast: 1)
        channel.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
        await channel.testingEventLoop.advanceTime(by: .seconds(9))
        #expect(channel.isActive)
        await channel.testingEventLoop.advanceTime(by: .seconds(1))
        let frames = try self.responses(in: try await channel.waitForOutboundWrite(as: ByteBuffer.self))
        #expect(frames.map(\.callID) == [1, 0])
        #expect(frames.allSatisfy { $0.status.code == .unavailable })
        try await channel.closeFuture.get()
    }
}

/// Every call anonymous: these tests are about the handler, not about identity.
private struct AnonymousCallers: Authenticator {
    func authenticate(authorization: String?) throws(DomainError) -> Authentication {
        .caller(.anonymous)
    }
}
