import NIOCore
import NIOHTTP1

/// Closes a connection on `IdleStateHandler`'s event: an HTTP client that keeps a connection
/// open without a request does not hold one of the listener's few connections for ever.
final class IdleConnectionCloser: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is IdleStateHandler.IdleStateEvent {
            context.close(promise: nil)
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }
}

@available(*, unavailable)
extension IdleConnectionCloser: Sendable {}
