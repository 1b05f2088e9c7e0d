import NIOCore
import NIOPosix

/// A TCP relay on 127.0.0.1 that, for each connection, connects to the server, writes `header`
/// (a PROXY protocol header naming a client) and then passes bytes both ways: a load balancer
/// with `send-proxy-v2`, so that clients that are not ours (grpc-swift's) reach the server
/// through a proxy. No backpressure: for tests.
public final class ProxyRelay: Sendable {
    public let port: Int
    private let listener: any Channel

    private init(port: Int, listener: any Channel) {
        self.port = port
        self.listener = listener
    }

    public static func start(to serverPort: Int, header: [UInt8]) async throws -> ProxyRelay {
        let listener = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { inbound in
                // Registered only once the server side is connected and has the header.
                ClientBootstrap(group: inbound.eventLoop)
                    .connect(host: "127.0.0.1", port: serverPort)
                    .flatMap { outbound in
                        outbound.writeAndFlush(ByteBuffer(bytes: header)).flatMap {
                            inbound.eventLoop.makeCompletedFuture {
                                try inbound.pipeline.syncOperations.addHandler(Forwarder(to: outbound))
                            }.flatMap {
                                outbound.pipeline.addHandler(Forwarder(to: inbound))
                            }
                        }
                    }
            }
            .bind(host: "127.0.0.1", port: 0)
            .get()
        return ProxyRelay(port: listener.localAddress!.port!, listener: listener)
    }

    public func close() async {
        try? await self.listener.close()
    }
}

/// Writes what its channel reads to the other, and closes the other when its own closes.
private final class Forwarder: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer

    private let other: any Channel

    init(to other: any Channel) {
        self.other = other
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        self.other.writeAndFlush(self.unwrapInboundIn(data), promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.other.close(promise: nil)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
