import NIOCore

/// First in the pipeline of a connection from a trusted proxy (`ServerConfiguration.trustedProxies`):
/// reads the PROXY protocol v2 header, hands the client's address it carries to `configure`
/// (which adds the connection's own handlers behind this one, admitted and throttled as that
/// client), passes on the bytes after the header, and steps aside. A header that is malformed, or
/// not whole within `timeout`, closes the connection: a trusted proxy always sends one.
final class ProxyHeaderHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private let timeout: TimeAmount
    /// Called once, on the event loop, with the client's address (the proxy's own for a LOCAL
    /// header); throwing closes the connection.
    private let configure: (SocketAddress?) throws -> Void
    private var buffered: ByteBuffer?
    private var timer: Scheduled<Void>?
    private var finished = false

    init(timeout: TimeAmount, configure: @escaping (SocketAddress?) throws -> Void) {
        self.timeout = timeout
        self.configure = configure
    }

    func handlerAdded(context: ChannelHandlerContext) {
        let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
        self.timer = context.eventLoop.scheduleTask(in: self.timeout) {
            loopBound.value.close(promise: nil)
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.timer?.cancel()
        self.timer = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !self.finished else {
            context.fireChannelRead(data)
            return
        }
        var bytes = self.unwrapInboundIn(data)
        if var buffered = self.buffered.take() {
            buffered.writeBuffer(&bytes)
            bytes = buffered
        }
        switch ProxyHeader.read(bytes.readableBytesView) {
        case .needMore:
            self.buffered = bytes
        case .invalid:
            self.finished = true
            context.close(promise: nil)
        case .header(let header):
            self.finished = true
            self.timer?.cancel()
            self.timer = nil
            bytes.moveReaderIndex(forwardBy: header.length)
            do {
                try self.configure(header.source ?? context.channel.remoteAddress)
            } catch {
                context.close(promise: nil)
                return
            }
            if bytes.readableBytes > 0 {
                context.fireChannelRead(self.wrapInboundOut(bytes))
                context.fireChannelReadComplete()
            }
            context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
        }
    }
}

@available(*, unavailable)
extension ProxyHeaderHandler: Sendable {}
