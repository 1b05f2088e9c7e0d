import NIOCore
import NIOHTTP2

/// Answers the client's first HTTP/2 frame (its SETTINGS, which follow its preface: by then
/// the TLS handshake is done and the HTTP/2 handler has sent the server's preface) with GOAWAY
/// (ENHANCE_YOUR_CALM, `reason` as debug data, no stream processed), then closes the connection.
/// Sits right after the HTTP/2 handler; a client that sends nothing is closed by the handshake
/// or idle timeout.
final class GRPCConnectionRefusalHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTP2Frame
    typealias OutboundOut = HTTP2Frame

    private let reason: String
    private var sent = false

    init(reason: String) {
        self.reason = reason
    }

    /// A refused connection's frames go no further.
    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !self.sent else { return }
        self.sent = true
        let frame = HTTP2Frame(
            streamID: .rootStream,
            payload: .goAway(
                lastStreamID: .rootStream,
                errorCode: .enhanceYourCalm,
                opaqueData: ByteBuffer(string: self.reason)
            )
        )
        let channel = context.channel
        context.writeAndFlush(self.wrapOutboundOut(frame)).whenComplete { _ in
            channel.close(promise: nil)
        }
    }
}

@available(*, unavailable)
extension GRPCConnectionRefusalHandler: Sendable {}
