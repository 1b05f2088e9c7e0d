import BenchFixtures
import Foundation
import NIOCore
import NIOHPACK
import NIOHTTP2
import NIOPosix
import NIOSSL

/// The gRPC door's ceiling: the least a server can do per unary call while swift-nio-http2 does
/// HTTP/2, as issue 27 asks catalogd's gRPC listener to (HPACK, the stream state machine,
/// flow-control accounting, SETTINGS). TLS with ALPN h2, `NIOHTTP2Handler` without a multiplexer
/// and with catalogd's settings, then one handler that answers every stream's END_STREAM with the
/// same response headers, one gRPC message holding a GetProduct-sized product, and `grpc-status:
/// 0`, flushed at the end of each read burst, and gives the connection's window back in large
/// steps. No method lookup, no call, no state kept per stream: what catalogd spends above this is
/// its own (scripts/bench-grpc).
///
///     HTTP2Ceiling --listen 127.0.0.1:7600 --tls-cert cert.pem --tls-key key.pem [--validation off]
///
/// `--validation off` turns off swift-nio-http2's header-block and content-length checks, which
/// catalogd keeps: their share of the ceiling.
final class FixedAnswerHandler: ChannelInboundHandler {
    typealias InboundIn = HTTP2Frame
    typealias OutboundOut = HTTP2Frame

    static let responseHeaders: HPACKHeaders = [":status": "200", "content-type": "application/grpc"]
    static let trailers: HPACKHeaders = ["grpc-status": "0"]
    /// The connection window catalogd keeps (1 MiB); credit goes back once half is used.
    static let connectionWindow = 1 << 20

    private let message: ByteBuffer
    private var consumed = 0
    private var needsFlush = false

    init(message: ByteBuffer) {
        self.message = message
    }

    func channelActive(context: ChannelHandlerContext) {
        self.giveConnectionCredit(Self.connectionWindow - 65_535, context: context)
        context.flush()
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = self.unwrapInboundIn(data)
        guard case .data(let data) = frame.payload else { return }
        self.consumed += data.data.readableBytes
        if self.consumed >= Self.connectionWindow / 2 {
            self.giveConnectionCredit(self.consumed, context: context)
            self.consumed = 0
        }
        guard data.endStream else { return }
        let id = frame.streamID
        context.write(
            self.wrapOutboundOut(HTTP2Frame(streamID: id, payload: .headers(.init(headers: Self.responseHeaders)))),
            promise: nil
        )
        context.write(
            self.wrapOutboundOut(HTTP2Frame(streamID: id, payload: .data(.init(data: .byteBuffer(self.message))))),
            promise: nil
        )
        context.write(
            self.wrapOutboundOut(
                HTTP2Frame(streamID: id, payload: .headers(.init(headers: Self.trailers, endStream: true)))
            ),
            promise: nil
        )
        self.needsFlush = true
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if self.needsFlush {
            self.needsFlush = false
            context.flush()
        }
        context.fireChannelReadComplete()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if error is NIOHTTP2Errors.StreamError { return }
        context.close(promise: nil)
    }

    private func giveConnectionCredit(_ increment: Int, context: ChannelHandlerContext) {
        context.write(
            self.wrapOutboundOut(
                HTTP2Frame(streamID: .rootStream, payload: .windowUpdate(windowSizeIncrement: increment))
            ),
            promise: nil
        )
    }
}

guard let listen = BenchFixtures.option("--listen"), let colon = listen.lastIndex(of: ":"),
    let port = Int(listen[listen.index(after: colon)...]), let certificate = BenchFixtures.option("--tls-cert"),
    let key = BenchFixtures.option("--tls-key")
else {
    FileHandle.standardError.write(Data("usage: HTTP2Ceiling --listen HOST:PORT --tls-cert PEM --tls-key PEM\n".utf8))
    exit(64)
}
var tlsConfiguration = TLSConfiguration.makeServerConfiguration(
    certificateChain: try NIOSSLCertificate.fromPEMFile(certificate).map { .certificate($0) },
    privateKey: .privateKey(try NIOSSLPrivateKey(file: key, format: .pem))
)
tlsConfiguration.applicationProtocols = ["h2"]
let tls = try NIOSSLContext(configuration: tlsConfiguration)
// One gRPC message: no compression, the length, the product.
let product = try BenchFixtures.productBytes()
var message = ByteBuffer()
message.writeInteger(UInt8(0))
message.writeInteger(UInt32(product.count))
message.writeBytes(product)
let answer = message
// catalogd's settings (PROTOCOL.md section 11): --max-in-flight's default, 16 KiB of headers, a
// 64 KiB stream window.
var http2 = NIOHTTP2Handler.ConnectionConfiguration()
http2.initialSettings = [
    HTTP2Setting(parameter: .maxConcurrentStreams, value: 128),
    HTTP2Setting(parameter: .maxHeaderListSize, value: 16 * 1024),
    HTTP2Setting(parameter: .initialWindowSize, value: 65_535),
]
if BenchFixtures.option("--validation") == "off" {
    http2.headerBlockValidation = .disabled
    http2.contentLengthValidation = .disabled
}
let configuration = http2
let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
    .serverChannelOption(.backlog, value: 256)
    .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
    .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
    .childChannelInitializer { channel in
        channel.eventLoop.makeCompletedFuture {
            let pipeline = channel.pipeline.syncOperations
            try pipeline.addHandler(NIOSSLServerHandler(context: tls))
            try pipeline.addHandler(NIOHTTP2Handler(mode: .server, connectionConfiguration: configuration))
            try pipeline.addHandler(FixedAnswerHandler(message: answer))
        }
    }
    .bind(host: String(listen[..<colon]), port: port)
    .get()
// Written straight to the descriptor: print() would wait in a buffer while the server runs.
FileHandle.standardOutput.write(
    Data("HTTP/2 ceiling listening on \(channel.localAddress.map { "\($0)" } ?? listen)\n".utf8)
)
try await channel.closeFuture.get()
