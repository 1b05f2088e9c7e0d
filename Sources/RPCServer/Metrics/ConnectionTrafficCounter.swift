import NIOCore

/// Counts a gRPC connection's bytes and TLS failures into its listener's `ConnectionMetrics`,
/// as the framing's `ConnectionHandler` counts its own: it sits right after TLS (first without
/// it), so it sees the bytes HTTP/2 reads and writes, and TLS's errors as they pass inward.
final class ConnectionTrafficCounter: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let metrics: ConnectionMetrics
    private var tlsFailure = TLSFailureTally()

    init(metrics: ConnectionMetrics) {
        self.metrics = metrics
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        self.metrics.add(.bytesReceived, self.unwrapInboundIn(data).readableBytes)
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        self.metrics.add(.bytesSent, self.unwrapOutboundIn(data).readableBytes)
        context.write(data, promise: promise)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        self.tlsFailure.observe(event)
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if self.tlsFailure.isHandshakeFailure(error) {
            self.metrics.add(.tlsFailed)
        }
        context.fireErrorCaught(error)
    }
}

@available(*, unavailable)
extension ConnectionTrafficCounter: Sendable {}
