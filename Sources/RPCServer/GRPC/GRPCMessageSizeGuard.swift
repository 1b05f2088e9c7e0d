import NIOCore
import NIOHPACK
import NIOHTTP2

/// Answers a request message over `--max-frame-bytes` with RESOURCE_EXHAUSTED, as the framing
/// does, as soon as its length prefix arrives. grpc-swift's own bound (`maxRequestPayloadSize`,
/// kept as a backstop) resets the stream with CANCEL, which clients report as CANCELLED with
/// nothing to say why. First in each stream's pipeline, before grpc-swift's handler.
final class GRPCMessageSizeGuard: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTP2Frame.FramePayload
    typealias InboundOut = HTTP2Frame.FramePayload
    typealias OutboundIn = HTTP2Frame.FramePayload
    typealias OutboundOut = HTTP2Frame.FramePayload

    private var reader: GRPCMessagePrefixReader
    /// Whether grpc-swift sent the response's headers: the answer is then trailers alone.
    private var headersSent = false
    private var refused = false

    init(limit: Int) {
        self.reader = GRPCMessagePrefixReader(limit: limit)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        // A refused stream's remaining frames go nowhere; it is closing.
        guard !self.refused else { return }
        if case .data(let frame) = self.unwrapInboundIn(data), case .byteBuffer(let bytes) = frame.data,
            let length = self.reader.read(bytes)
        {
            self.refuse(length: length, context: context)
            return
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .headers = self.unwrapOutboundIn(data) {
            self.headersSent = true
        }
        context.write(data, promise: promise)
    }

    private func refuse(length: Int, context: ChannelHandlerContext) {
        self.refused = true
        var trailers = HPACKHeaders()
        if !self.headersSent {
            trailers.add(name: ":status", value: "200")
            trailers.add(name: "content-type", value: "application/grpc")
        }
        trailers.add(name: "grpc-status", value: "8")
        trailers.add(
            name: "grpc-message",
            value: "request message of \(length) bytes is over the limit of \(self.reader.limit)"
        )
        context.write(self.wrapOutboundOut(.headers(.init(headers: trailers, endStream: true))), promise: nil)
        // Then RST_STREAM NO_ERROR, which tells the client to stop sending its request without
        // an error (RFC 9113, section 8.1): the answer stands. Closing the stream instead would
        // reset it with CANCEL, and a client that reads the reset before the trailers (grpcio,
        // on a busy machine) reports CANCELLED. grpc-swift's call then ends with the stream.
        context.writeAndFlush(self.wrapOutboundOut(.rstStream(.noError)), promise: nil)
    }
}
