import Codec
import Foundation
public import NIOCore
public import NIOPosix
import NIOSSL
import SwiftProtobuf
import Synchronization

/// An async client of one catalogd connection. Calls may be made concurrently from any
/// task; they share the connection and are matched by call id.
public final class CatalogClient: Sendable {
    private let channel: any Channel
    private let configuration: ClientConfiguration
    private let nextCallID = Atomic<UInt64>(1)
    private let authorization = Mutex<String?>(nil)
    private let traceparent = Mutex<String?>(nil)

    private init(channel: any Channel, configuration: ClientConfiguration) {
        self.channel = channel
        self.configuration = configuration
    }

    /// Connects, runs `body` with the client, and closes the connection however `body` ends.
    public static func withClient<Result: Sendable>(
        _ configuration: ClientConfiguration,
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        _ body: (CatalogClient) async throws -> Result
    ) async throws -> Result {
        let client = try await self.connect(configuration, eventLoopGroup: eventLoopGroup)
        do {
            let result = try await body(client)
            await client.close()
            return result
        } catch {
            await client.close()
            throw error
        }
    }

    /// Connects and, with TLS, completes the handshake.
    /// - Throws: `ConnectError` when the server cannot be reached or not be trusted.
    public static func connect(
        _ configuration: ClientConfiguration,
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) async throws -> CatalogClient {
        let channel = try await self.connectChannel(configuration, eventLoopGroup: eventLoopGroup) { pipeline in
            try pipeline.addHandler(ClientCallHandler())
        }
        return CatalogClient(channel: channel, configuration: configuration)
    }

    /// Connects a channel that speaks the framing, for tools that handle frames themselves
    /// (the load generator): TLS as configured, the handshake completed, then a frame decoder
    /// whose `ByteBuffer` frames reach the handlers `addHandlers` adds; without
    /// `decodesFrames`, those handlers read the bytes as they come and split the frames themselves.
    /// - Throws: `ConnectError` when the server cannot be reached or not be trusted.
    public static func connectChannel(
        _ configuration: ClientConfiguration,
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        decodesFrames: Bool = true,
        addHandlers: @escaping @Sendable (ChannelPipeline.SynchronousOperations) throws -> Void
    ) async throws -> any Channel {
        let tls = try self.makeTLSContext(configuration.security)
        let handshake = eventLoopGroup.next().makePromise(of: Void.self)
        let (hostname, maxFrameSize) = (configuration.host, configuration.maxFrameSize)
        let channel: any Channel
        do {
            channel = try await ClientBootstrap(group: eventLoopGroup)
                .connectTimeout(TimeAmount(configuration.connectTimeout))
                .channelOption(.socketOption(.tcp_nodelay), value: 1)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        let pipeline = channel.pipeline.syncOperations
                        if let tls {
                            // SNI takes host names only; an IP address is checked against the certificate's IP entries.
                            let serverName = hostname.isIPAddress ? nil : hostname
                            try pipeline.addHandler(try NIOSSLClientHandler(context: tls, serverHostname: serverName))
                            try pipeline.addHandler(HandshakeWaiter(promise: handshake))
                        } else {
                            handshake.succeed()
                        }
                        if decodesFrames {
                            try pipeline.addHandler(ByteToMessageHandler(FrameDecoder(maxFrameSize: maxFrameSize)))
                        }
                        try addHandlers(pipeline)
                    }
                }
                .connect(host: configuration.host, port: configuration.port)
                .get()
        } catch {
            handshake.fail(error)
            throw ConnectError(
                kind: .unreachable,
                detail: "cannot connect to \(configuration.host):\(configuration.port): \(Self.describe(error))"
            )
        }
        do {
            try await handshake.futureResult.get()
        } catch {
            try? await channel.close()
            throw Self.handshakeError(error, configuration: configuration)
        }
        return channel
    }

    /// Closes the connection; calls still waiting fail with UNAVAILABLE.
    public func close() async {
        try? await self.channel.close()
    }

    /// The `authorization` metadata sent with every call: `Bearer <token>`, or `nil` for anonymous calls.
    public func setAccessToken(_ token: String?) {
        self.authorization.withLock { $0 = token.map { "Bearer \($0)" } }
    }

    /// The W3C `traceparent` metadata sent with every call, or `nil` for none: the server logs its
    /// trace id with each of the calls' lines.
    public func setTraceparent(_ traceparent: String?) {
        self.traceparent.withLock { $0 = traceparent }
    }

    /// Makes one call and decodes its response. A cancelled task's call fails with CANCELLED
    /// at once (the server may still carry it out), and its response is dropped.
    /// - Throws: `RPCStatus` for a failed call, including UNAVAILABLE when the connection is lost.
    func call<Response: SwiftProtobuf.Message>(
        _ method: String,
        _ request: some SwiftProtobuf.Message,
        returning: Response.Type,
        timeout: Duration? = nil
    ) async throws -> Response {
        let timeout = timeout ?? self.configuration.defaultTimeout
        if Task.isCancelled {
            throw RPCStatus.cancelled
        }
        var envelope = Catalog_V1_Request()
        let callID = self.nextCallID.wrappingAdd(1, ordering: .relaxed).oldValue
        envelope.callID = callID
        envelope.method = method
        envelope.payload = try request.serializedBytes()
        envelope.timeoutMs = UInt32(clamping: TimeAmount(timeout).nanoseconds / 1_000_000)
        if let authorization = self.authorization.withLock({ $0 }) {
            envelope.metadata[CatalogMetadata.authorization] = authorization
        }
        if let traceparent = self.traceparent.withLock({ $0 }) {
            envelope.metadata[CatalogMetadata.traceparent] = traceparent
        }
        let promise = self.channel.eventLoop.makePromise(of: Catalog_V1_Response.self)
        // The client waits a little longer than the server, so the server's DEADLINE_EXCEEDED arrives first.
        let call = OutgoingCall(
            request: envelope,
            promise: promise,
            timeout: TimeAmount(timeout) + .milliseconds(500)
        )
        // On a connection already closed the write never reaches ClientCallHandler (the pipeline
        // is torn down), so nothing else would ever complete the call: its failure does.
        let written = self.channel.eventLoop.makePromise(of: Void.self)
        written.futureResult.whenFailure { _ in
            promise.fail(RPCStatus(.unavailable, "the connection to the server closed"))
        }
        self.channel.writeAndFlush(call, promise: written)
        let response = try await withTaskCancellationHandler {
            try await promise.futureResult.get()
        } onCancel: {
            self.channel.triggerUserOutboundEvent(CancelCall(callID: callID), promise: nil)
        }
        if let status = RPCStatus(response.hasStatus ? response.status : nil) {
            throw status
        }
        do {
            return try Response(serializedBytes: response.payload)
        } catch {
            throw RPCStatus(.internal, "the server's \(Response.protoMessageName) does not parse")
        }
    }

    // MARK: Setup

    private static func makeTLSContext(_ security: ClientConfiguration.Security) throws -> NIOSSLContext? {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.minimumTLSVersion = .tlsv12
        configuration.applicationProtocols = [CatalogALPN.protocolID]
        switch security {
        case .plaintext:
            return nil
        case .tlsWithSystemRoots:
            break
        case .tls(let caPath):
            configuration.trustRoots = .certificates(try self.loadCertificates(caPath))
        case .mutualTLS(let caPath, let certificatePath, let keyPath):
            configuration.trustRoots = .certificates(try self.loadCertificates(caPath))
            configuration.certificateChain = try self.loadCertificates(certificatePath).map { .certificate($0) }
            configuration.privateKey = .privateKey(try NIOSSLPrivateKey(file: keyPath, format: .pem))
        }
        return try NIOSSLContext(configuration: configuration)
    }

    private static func loadCertificates(_ path: String) throws -> [NIOSSLCertificate] {
        do {
            return try NIOSSLCertificate.fromPEMFile(path)
        } catch {
            throw ConnectError(kind: .untrustedCertificate, detail: "cannot read CA certificate \(path): \(error)")
        }
    }

    private static func handshakeError(_ error: any Error, configuration: ClientConfiguration) -> ConnectError {
        let text = String(describing: error)
        let address = "\(configuration.host):\(configuration.port)"
        if text.contains("CERTIFICATE_VERIFY_FAILED") || text.contains("unableToValidateCertificate") {
            return ConnectError(
                kind: .untrustedCertificate,
                detail: "TLS: the certificate of \(address) is not trusted by the CA in use"
            )
        }
        if error as? NIOSSLExtraError == .failedToValidateHostname {
            return ConnectError(
                kind: .untrustedCertificate,
                detail: "TLS: the certificate of \(address) does not name \(configuration.host)"
            )
        }
        return ConnectError(
            kind: .handshakeFailed,
            detail: "TLS handshake with \(address) failed: \(Self.describe(error))"
        )
    }

    private static func describe(_ error: any Error) -> String {
        switch error {
        case let error as NIOConnectionError:
            return error.connectionErrors.first.map { self.describe($0.error) } ?? "no address to connect to"
        case let error as IOError:
            return String(cString: strerror(error.errnoCode)).lowercased()
        case is ChannelError:
            return "connection timed out or closed"
        default:
            return String(describing: error)
        }
    }
}

extension String {
    var isIPAddress: Bool {
        (try? SocketAddress(ipAddress: self, port: 0)) != nil
    }
}
