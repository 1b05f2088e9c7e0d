import NIOCore
import NIOHTTP1

/// Closes a metrics connection at the deadlines `MetricsConnectionClock` decides: a request not
/// whole in time, or a connection past its age once its answer is written. It sits after the
/// HTTP decoder and encoder and keeps one timer, set for the clock's next deadline.
final class MetricsConnectionDeadlineHandler: ChannelDuplexHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    private let requestTimeout: TimeAmount
    private let maxAge: TimeAmount
    private var clock: MetricsConnectionClock?
    private var timer: Scheduled<Void>?

    init(requestTimeout: TimeAmount, maxAge: TimeAmount) {
        self.requestTimeout = requestTimeout
        self.maxAge = maxAge
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.clock = MetricsConnectionClock(
            opened: context.eventLoop.now,
            requestTimeout: self.requestTimeout,
            maxAge: self.maxAge
        )
        self.schedule(context: context)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.timer?.cancel()
        self.timer = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .end = self.unwrapInboundIn(data) {
            self.clock?.requestEnded()
            self.schedule(context: context)
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        guard case .end = self.unwrapOutboundIn(data), var clock = self.clock else {
            context.write(data, promise: promise)
            return
        }
        let close = clock.answerEnded(now: context.eventLoop.now)
        self.clock = clock
        guard close else {
            context.write(data, promise: promise)
            self.schedule(context: context)
            return
        }
        let written = promise ?? context.eventLoop.makePromise()
        context.write(data, promise: written)
        context.flush()
        written.futureResult.assumeIsolated().whenComplete { _ in context.close(promise: nil) }
    }

    private func schedule(context: ChannelHandlerContext) {
        self.timer?.cancel()
        self.timer = nil
        guard let deadline = self.clock?.deadline else { return }
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        self.timer = context.eventLoop.scheduleTask(deadline: deadline) {
            let (handler, context) = loopBound.value
            handler.fire(context: context)
        }
    }

    private func fire(context: ChannelHandlerContext) {
        guard var clock = self.clock else { return }
        let close = clock.timerFired(now: context.eventLoop.now)
        self.clock = clock
        if close {
            context.close(promise: nil)
        } else {
            self.schedule(context: context)
        }
    }
}

@available(*, unavailable)
extension MetricsConnectionDeadlineHandler: Sendable {}
