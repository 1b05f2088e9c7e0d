import Codec
import NIOCore

/// Answers a connection the server will not serve (a connection limit is reached) with one
/// connection error, call_id 0, then closes it. Over TLS the frame waits in the TLS handler
/// until the handshake is done, which the handshake timeout bounds.
final class ConnectionRefusalHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let status: RPCStatus

    init(status: RPCStatus) {
        self.status = status
    }

    private var refused = false

    /// Added to a connection already active (behind a PROXY protocol header), it refuses at once.
    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive {
            self.refuse(context: context)
        }
    }

    func channelActive(context: ChannelHandlerContext) {
        self.refuse(context: context)
        context.fireChannelActive()
    }

    private func refuse(context: ChannelHandlerContext) {
        guard !self.refused else { return }
        self.refused = true
        var buffer = context.channel.allocator.buffer(capacity: 128)
        try? buffer.writeFrame(Catalog_V1_Response(callID: 0, status: self.status))
        context.writeAndFlush(self.wrapOutboundOut(buffer)).assumeIsolated().whenComplete { _ in
            context.close(promise: nil)
        }
    }

    /// Whatever the client sends is not read.
    func channelRead(context: ChannelHandlerContext, data: NIOAny) {}

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}

@available(*, unavailable)
extension ConnectionRefusalHandler: Sendable {}
