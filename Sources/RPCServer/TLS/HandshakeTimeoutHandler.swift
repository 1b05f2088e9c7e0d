import NIOCore
import NIOTLS

/// Closes a connection whose TLS handshake has not finished in time, without a frame:
/// a peer that never completes it holds a socket and nothing else.
final class HandshakeTimeoutHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny

    private let timeout: TimeAmount
    private let timedOut: @Sendable () -> Void
    private var timer: Scheduled<Void>?

    /// - Parameter timedOut: called when the timeout closes the connection, for the metrics.
    init(timeout: TimeAmount, timedOut: @escaping @Sendable () -> Void = {}) {
        self.timeout = timeout
        self.timedOut = timedOut
    }

    func handlerAdded(context: ChannelHandlerContext) {
        let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
        self.timer = context.eventLoop.scheduleTask(in: self.timeout) { [timedOut = self.timedOut] in
            timedOut()
            loopBound.value.close(promise: nil)
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.timer?.cancel()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        // Passed on before the handler leaves: a context removed from the pipeline passes nothing
        // on, and the handlers after it (the connection's TLS failure tally) need this event.
        context.fireUserInboundEventTriggered(event)
        if case TLSUserEvent.handshakeCompleted = event {
            self.timer?.cancel()
            context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
        }
    }
}

@available(*, unavailable)
extension HandshakeTimeoutHandler: Sendable {}
