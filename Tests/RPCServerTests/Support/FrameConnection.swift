import Codec
import NIOCore
import NIOPosix
import NIOSSL
import SwiftProtobuf
import Synchronization
import TestSupport

/// A raw client for protocol tests: writes any bytes, and reads the server's frames as
/// `Response`s, so a test sees exactly what the server sends and when it closes.
final class FrameConnection: Sendable {
    enum Event: Sendable {
        case response(Catalog_V1_Response)
        case closed
    }

    private let channel: any Channel
    private let events: Condition<[Event]>
    private let consumed = Mutex(0)

    private init(channel: any Channel, events: Condition<[Event]>) {
        self.channel = channel
        self.events = events
    }

    /// Connects to the test server over TLS (trusting its CA, offering `alpn`) or plaintext,
    /// from `sourceAddress` when given (any 127.x.y.z reaches a server on 127.0.0.1), sending
    /// `proxyHeader` first (before TLS), as a load balancer with PROXY protocol does.
    static func connect(
        port: Int,
        caPath: String?,
        alpn: [String] = [CatalogALPN.protocolID],
        sourceAddress: String? = nil,
        proxyHeader: [UInt8]? = nil
    ) async throws -> FrameConnection {
        let events = Condition<[Event]>([])
        let tls: NIOSSLContext? = try caPath.map { caPath in
            var configuration = TLSConfiguration.makeClientConfiguration()
            configuration.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(caPath))
            configuration.applicationProtocols = alpn
            return try NIOSSLContext(configuration: configuration)
        }
        var bootstrap = ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
        if let sourceAddress {
            bootstrap = bootstrap.bind(to: try SocketAddress(ipAddress: sourceAddress, port: 0))
        }
        let channel =
            try await bootstrap
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let proxyHeader {
                        try channel.pipeline.syncOperations.addHandler(HeaderWriter(header: proxyHeader))
                    }
                    if let tls {
                        try channel.pipeline.syncOperations.addHandler(
                            try NIOSSLClientHandler(context: tls, serverHostname: nil)
                        )
                    }
                    try channel.pipeline.syncOperations.addHandler(
                        ByteToMessageHandler(FrameDecoder(maxFrameSize: 1 << 30))
                    )
                    try channel.pipeline.syncOperations.addHandler(Recorder(events: events))
                }
            }
            .connect(host: "127.0.0.1", port: port)
            .get()
        return FrameConnection(channel: channel, events: events)
    }

    /// Sends raw bytes as they are.
    func send(bytes: ByteBuffer) async throws {
        try await self.channel.writeAndFlush(bytes)
    }

    /// Sends one request frame.
    func send(_ request: Catalog_V1_Request) async throws {
        var buffer = ByteBuffer()
        try buffer.writeFrame(request)
        try await self.send(bytes: buffer)
    }

    /// Sends many request frames in one write.
    func send(_ requests: [Catalog_V1_Request]) async throws {
        var buffer = ByteBuffer()
        for request in requests {
            try buffer.writeFrame(request)
        }
        try await self.send(bytes: buffer)
    }

    /// The next frame the server sent, or `nil` once it closed the connection.
    func next(limit: Duration = .seconds(10)) async throws -> Catalog_V1_Response? {
        let index = self.consumed.withLock { $0 }
        try await withTimeout(limit, "a frame or the connection closing") {
            await self.events.wait { events in events.count > index || events.last.map(Self.isClosed) == true }
            try Task.checkCancellation()
        }
        let events = self.events.value
        guard index < events.count, case .response(let response) = events[index] else {
            return nil
        }
        // Advanced only once a frame was read, so a wait that timed out loses nothing.
        self.consumed.withLock { $0 = index + 1 }
        return response
    }

    /// Waits until the server closes the connection; returns the frames not yet read.
    func waitUntilClosed(limit: Duration = .seconds(10)) async throws -> [Catalog_V1_Response] {
        try await withTimeout(limit, "the connection to close") {
            await self.events.wait { $0.last.map(Self.isClosed) == true }
            try Task.checkCancellation()
        }
        let start = self.consumed.withLock { $0 }
        return self.events.value.dropFirst(start).compactMap { event in
            if case .response(let response) = event { response } else { nil }
        }
    }

    func close() async {
        try? await self.channel.close()
    }

    private static func isClosed(_ event: Event) -> Bool {
        if case .closed = event { true } else { false }
    }

    /// Writes its bytes as the connection opens, ahead of everything after it (the TLS handshake).
    private final class HeaderWriter: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer

        let header: [UInt8]

        init(header: [UInt8]) {
            self.header = header
        }

        func channelActive(context: ChannelHandlerContext) {
            context.writeAndFlush(self.wrapOutboundOut(ByteBuffer(bytes: self.header)), promise: nil)
            context.fireChannelActive()
        }
    }

    private final class Recorder: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer

        let events: Condition<[Event]>

        init(events: Condition<[Event]>) {
            self.events = events
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let frame = self.unwrapInboundIn(data)
            let response =
                (try? Catalog_V1_Response(serializedBytes: Array(frame.readableBytesView))) ?? Catalog_V1_Response()
            self.events.update { $0.append(.response(response)) }
        }

        func channelInactive(context: ChannelHandlerContext) {
            self.events.update { $0.append(.closed) }
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            context.close(promise: nil)
        }
    }
}

extension Catalog_V1_Request {
    /// A request for `method` with `payload` serialized.
    static func call(
        _ callID: UInt64,
        _ method: String,
        _ payload: some SwiftProtobuf.Message,
        timeoutMs: UInt32 = 0
    )
        throws -> Catalog_V1_Request
    {
        var request = Catalog_V1_Request()
        request.callID = callID
        request.method = method
        request.payload = try payload.serializedBytes()
        request.timeoutMs = timeoutMs
        return request
    }
}
