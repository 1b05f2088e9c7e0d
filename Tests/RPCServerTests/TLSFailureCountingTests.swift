import NIOCore
import NIOEmbedded
import NIOSSL
import NIOTLS
import Synchronization
import Testing

@testable import RPCServer

/// `catalog_connection_tls_failures_total` counts handshakes that failed, once per connection,
/// and nothing a peer does after its handshake completed.
@Suite struct TLSFailureCountingTests {
    private static let completed = TLSUserEvent.handshakeCompleted(negotiatedProtocol: "h2")

    @Test func aTLSErrorBeforeTheHandshakeCountsOnceAndNoneAfterIt() {
        var failing = TLSFailureTally()
        let errors: [any Error] = [
            ChannelError.ioOnClosedChannel, NIOSSLError.handshakeFailed(.sslError([])), NIOSSLError.uncleanShutdown,
        ]
        let counted = errors.map { failing.isHandshakeFailure($0) }
        #expect(counted == [false, true, false], "not TLS's; the failure; the same connection again")

        var served = TLSFailureTally()
        served.observe(Self.completed)
        let afterHandshake = served.isHandshakeFailure(NIOSSLError.uncleanShutdown)
        #expect(!afterHandshake, "a close without close_notify")
    }

    @Test func theGRPCConnectionsCounterCountsBytesBothWaysAndAFailedHandshakeOnce() throws {
        let metrics = ConnectionMetrics()
        let channel = EmbeddedChannel(handler: ConnectionTrafficCounter(metrics: metrics))
        try channel.writeInbound(ByteBuffer(repeating: 1, count: 100))
        try channel.writeAndFlush(ByteBuffer(repeating: 2, count: 30)).wait()
        #expect(metrics.total(.bytesReceived) == 100)
        #expect(metrics.total(.bytesSent) == 30)
        channel.pipeline.fireErrorCaught(NIOSSLError.handshakeFailed(.sslError([])))
        channel.pipeline.fireErrorCaught(NIOSSLError.uncleanShutdown)
        #expect(metrics.total(.tlsFailed) == 1)
        #expect(throws: NIOSSLError.self, "errors pass on") { try channel.throwIfErrorCaught() }
    }

    @Test func theHandshakeTimeoutPassesTheCompletedHandshakeOnAndLeaves() throws {
        let timedOut = Atomic(0)
        let channel = EmbeddedChannel()
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        let events = EventRecorder()
        try channel.pipeline.syncOperations.addHandlers([
            HandshakeTimeoutHandler(timeout: .seconds(10)) { timedOut.add(1, ordering: .relaxed) }, events,
        ])
        channel.pipeline.fireUserInboundEventTriggered(Self.completed)
        #expect(events.received == 1, "the handlers after it see the handshake complete")
        #expect(throws: ChannelPipelineError.self) {
            try channel.pipeline.syncOperations.handler(type: HandshakeTimeoutHandler.self)
        }
        channel.embeddedEventLoop.advanceTime(by: .seconds(11))
        #expect(channel.isActive && timedOut.load(ordering: .relaxed) == 0, "its timer cancelled")
    }

    @Test func aHandshakeNotDoneInTimeClosesTheConnectionAndIsCounted() throws {
        let timedOut = Atomic(0)
        let channel = EmbeddedChannel()
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        try channel.pipeline.syncOperations.addHandler(
            HandshakeTimeoutHandler(timeout: .seconds(10)) { timedOut.add(1, ordering: .relaxed) }
        )
        channel.embeddedEventLoop.advanceTime(by: .seconds(9))
        #expect(channel.isActive && timedOut.load(ordering: .relaxed) == 0)
        channel.embeddedEventLoop.advanceTime(by: .seconds(1))
        #expect(!channel.isActive && timedOut.load(ordering: .relaxed) == 1)
    }
}

/// Counts the user events that reach it.
private final class EventRecorder: ChannelInboundHandler {
    typealias InboundIn = NIOAny
    var received = 0

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        self.received += 1
    }
}
