import BenchFixtures
import Codec
import Foundation
import NIOCore
import NIOPosix
import NIOSSL

/// The ceiling: the least a server speaking catalogd's framing can do per call. Every frame
/// is answered with the same Response (the call id changed), as large as a GetProduct answer;
/// the answers of one read burst go out in one write, as catalogd's do.
///
///     EchoServer --listen 127.0.0.1:7500 --tls-cert cert.pem --tls-key key.pem
final class EchoHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// The Response's bytes after its call id: field 3, the payload.
    private let payloadField: [UInt8]
    private var pending: ByteBuffer?

    init(payloadField: [UInt8]) {
        self.payloadField = payloadField
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = self.unwrapInboundIn(data)
        let callID = Self.callID(of: frame)
        // Taken out while written: a second reference would make every write copy the buffer.
        var buffer = self.pending.take() ?? context.channel.allocator.buffer(capacity: 4096)
        buffer.writeInteger(UInt32(1 + ByteBuffer.varintSize(callID) + self.payloadField.count))
        buffer.writeInteger(UInt8(0x08))
        buffer.writeVarint(callID)
        buffer.writeBytes(self.payloadField)
        self.pending = buffer
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if let pending = self.pending {
            self.pending = nil
            context.writeAndFlush(self.wrapOutboundOut(pending), promise: nil)
        }
        context.fireChannelReadComplete()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    /// Field 1 of the Request, which clients put first (any other order answers call id 0).
    private static func callID(of frame: ByteBuffer) -> UInt64 {
        var reader = frame
        guard reader.readInteger(as: UInt8.self) == 0x08 else { return 0 }
        return reader.readVarint() ?? 0
    }
}

/// Field 3 of the Response, the payload: a product the size of a real one.
func fixedPayloadField() throws -> [UInt8] {
    let payload = try BenchFixtures.productBytes()
    var field = ByteBuffer()
    field.writeInteger(UInt8(0x1A))  // field 3, length-delimited
    field.writeVarint(UInt64(payload.count))
    field.writeBytes(payload)
    return Array(field.readableBytesView)
}

guard let listen = BenchFixtures.option("--listen"), let colon = listen.lastIndex(of: ":"),
    let port = Int(listen[listen.index(after: colon)...]), let certificate = BenchFixtures.option("--tls-cert"),
    let key = BenchFixtures.option("--tls-key")
else {
    FileHandle.standardError.write(Data("usage: EchoServer --listen HOST:PORT --tls-cert PEM --tls-key PEM\n".utf8))
    exit(64)
}
var tlsConfiguration = TLSConfiguration.makeServerConfiguration(
    certificateChain: try NIOSSLCertificate.fromPEMFile(certificate).map { .certificate($0) },
    privateKey: .privateKey(try NIOSSLPrivateKey(file: key, format: .pem))
)
tlsConfiguration.applicationProtocols = [CatalogALPN.protocolID]
let tls = try NIOSSLContext(configuration: tlsConfiguration)
let payloadField = try fixedPayloadField()
let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
    .serverChannelOption(.backlog, value: 256)
    .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
    .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
    .childChannelInitializer { channel in
        channel.eventLoop.makeCompletedFuture {
            let pipeline = channel.pipeline.syncOperations
            try pipeline.addHandler(NIOSSLServerHandler(context: tls))
            try pipeline.addHandler(ByteToMessageHandler(FrameDecoder(maxFrameSize: 4 * 1024 * 1024)))
            try pipeline.addHandler(EchoHandler(payloadField: payloadField))
        }
    }
    .bind(host: String(listen[..<colon]), port: port)
    .get()
// Written straight to the descriptor: print() would wait in a buffer while the server runs.
let banner =
    "echo ceiling listening on \(channel.localAddress.map { "\($0)" } ?? listen); "
    + "response frame about \(payloadField.count + 7) bytes\n"
FileHandle.standardOutput.write(Data(banner.utf8))
try await channel.closeFuture.get()
