import Codec
import Listening
import Logging
import NIOCore
import NIOHTTP2
import NIOSSL

/// What the gRPC listener does with each connection grpc-swift accepts, as the framing's
/// listener does with its own: counts it against the daemon's connection caps (one
/// `OpenConnections` for both listeners), bounds its TLS handshake, counts its bytes and TLS
/// failures (`ConnectionTrafficCounter`, with `metrics`), and turns one over a cap
/// away. HTTP/2 has no status for a connection, so the refusal is a GOAWAY with
/// ENHANCE_YOUR_CALM and the reason as its debug data (clients report UNAVAILABLE and retry
/// with backoff), in answer to the client's first frame, then the connection is closed.
///
/// A connection from a trusted proxy (`trustedProxies`) is admitted once its PROXY protocol
/// header is read, as the client the header names (`ProxiedClients` tells the calls).
struct GRPCConnectionAdmission: Sendable {
    let connections: OpenConnections
    let handshakeTimeout: Duration
    let trustedProxies: [AddressRange]
    /// Where the clients that `trustedProxies` name are told to the calls; `nil` when none is trusted.
    let proxiedClients: ProxiedClients?
    let metrics: ConnectionMetrics?
    let logger: Logger

    /// Runs in grpc-swift's `onAcceptTCPConnection`, after its pipeline is in place.
    func admit(_ channel: any Channel) -> EventLoopFuture<Void> {
        channel.eventLoop.makeCompletedFuture {
            let pipeline = channel.pipeline.syncOperations
            let tls = try? pipeline.handler(type: NIOSSLServerHandler.self)
            if let metrics = self.metrics {
                try pipeline.addHandler(
                    ConnectionTrafficCounter(metrics: metrics),
                    position: tls.map { .after($0) } ?? .first
                )
            }
            if let tls {
                try pipeline.addHandler(
                    HandshakeTimeoutHandler(timeout: TimeAmount(self.handshakeTimeout)) { [metrics] in
                        metrics?.add(.tlsFailed)
                    },
                    position: .after(tls)
                )
            }
            guard self.trustedProxies.contains(channel.remoteAddress) else {
                return try self.admit(channel, client: channel.remoteAddress)
            }
            try pipeline.addHandler(
                ProxyHeaderHandler(timeout: TimeAmount(self.handshakeTimeout)) { client in
                    if let client {
                        self.proxiedClients?.record(client, for: channel)
                    }
                    try self.admit(channel, client: client)
                },
                position: .first
            )
        }
    }

    /// Counts the connection as `client`'s against the caps, or turns it away.
    private func admit(_ channel: any Channel, client: SocketAddress?) throws {
        switch self.connections.admit(channel, address: client?.clientKey, transport: "grpc") {
        case .serve:
            break
        case .refuse(let refusal):
            self.logger.debug(
                "gRPC connection refused",
                metadata: [
                    "peer": "\(client.map { "\($0)" } ?? "unknown")",
                    "reason": "\(refusal.message)",
                ]
            )
            let pipeline = channel.pipeline.syncOperations
            try pipeline.addHandler(
                GRPCConnectionRefusalHandler(reason: refusal.message),
                position: .after(try pipeline.handler(type: NIOHTTP2Handler.self))
            )
        case .drop:
            self.logger.debug("gRPC connection dropped: too many refusals under way")
            channel.close(promise: nil)
        }
    }
}

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
