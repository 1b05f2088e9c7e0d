import Codec
import NIOCore

/// Sits before NIOSSL until the ClientHello has arrived: refuses a hello whose ALPN offer
/// lacks `catalog-rpc/1` with a fatal `no_application_protocol` alert, then steps aside.
final class ALPNEnforcer: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    /// A TLS 1.2 alert record: fatal (2), no_application_protocol (120).
    private static let noApplicationProtocolAlert: [UInt8] = [21, 3, 3, 0, 2, 2, 120]

    private var buffered: ByteBuffer?

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var incoming = self.unwrapInboundIn(data)
        if var buffered = self.buffered {
            buffered.writeBuffer(&incoming)
            incoming = buffered
        }
        switch ClientHelloALPN.parse(incoming) {
        case .incomplete where incoming.readableBytes < ClientHelloALPN.maxRecordSize:
            self.buffered = incoming
        case .offered(let protocols) where !protocols.contains(CatalogALPN.protocolID):
            self.buffered = nil
            let alert = context.channel.allocator.buffer(bytes: Self.noApplicationProtocolAlert)
            context.writeAndFlush(NIOAny(alert)).assumeIsolated().whenComplete { _ in
                context.close(promise: nil)
            }
        default:
            self.buffered = nil
            context.fireChannelRead(self.wrapInboundOut(incoming))
            context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
        }
    }
}

@available(*, unavailable)
extension ALPNEnforcer: Sendable {}
