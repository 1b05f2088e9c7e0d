import Codec
import Domain
import GRPCCore
import Listening
import Logging
import NIOCore
import Synchronization

/// Every method of the `MethodRegistry`, served over standard gRPC: the request's bytes go to
/// the same `CallDispatcher` the framing uses (authentication from the `authorization`
/// metadata, the method's access level, the handler), so each method has one implementation,
/// and its answer's bytes come back. No second set of generated handler code: grpc-swift
/// takes our raw-bytes serializers (`RawMessageCoding`).
///
/// What the framing keeps per connection, the gateway keeps per call: grpc-swift does not tell
/// a handler which connection a stream belongs to. So a connection's anonymous store reads are
/// bounded only by its concurrent streams (`--max-in-flight`), not by the framing's two per
/// connection; the daemon-wide bound on them holds as on the framing.
struct CatalogGRPCService: RegistrableRPCService {
    let registry: MethodRegistry
    let authenticator: any Authenticator
    let configuration: ServerConfiguration
    /// The clients that trusted proxies named, for calls whose socket is a proxy's; `nil` when no
    /// proxy is trusted, so that a call then looks nothing up.
    let proxiedClients: ProxiedClients?
    let logger: Logger
    /// Numbers the calls for their log lines: HTTP/2's stream ids do not reach a handler.
    private let callIDs = CallNumbers()

    func registerMethods<Transport: ServerTransport>(with router: inout RPCRouter<Transport>) {
        for name in self.registry.methodNames {
            guard let descriptor = MethodDescriptor(catalogMethod: name) else {
                self.logger.warning("not served over gRPC: not a Service/Method name", metadata: ["method": "\(name)"])
                continue
            }
            router.registerHandler(
                forMethod: descriptor,
                deserializer: RawMessageCoding(),
                serializer: RawMessageCoding()
            ) { request, context in
                let single = try await ServerRequest(stream: request)
                let answer = try await self.answer(name, single, context: context)
                return StreamingServerResponse(single: ServerResponse(message: answer))
            }
        }
    }

    /// Answers one call as the framing would, or throws the `RPCError` of the framing's status.
    private func answer(
        _ method: String,
        _ request: ServerRequest<[UInt8]>,
        context: ServerContext
    ) async throws -> [UInt8] {
        let started = ContinuousClock.now
        let traceparent = request.metadata[stringValues: CatalogMetadata.traceparent].first { _ in true }
        var logger = self.logger
        logger[metadataKey: "call_id"] = "\(self.callIDs.next())"
        logger[metadataKey: "method"] = "\(method)"
        let peer = GRPCPeer(context.remotePeer)?.address
        let client = self.proxiedClients.flatMap { proxied in peer.map(proxied.client(of:)) } ?? peer
        logger[metadataKey: "peer"] = "\(client.map { "\($0)" } ?? context.remotePeer)"
        if let trace = traceparent.flatMap(TraceParent.init) {
            logger[metadataKey: "trace_id"] = "\(trace.traceID)"
        }
        var dispatcher = CallDispatcher(
            registry: self.registry,
            authenticator: self.authenticator,
            clientAddress: client?.clientKey,
            connectionReads: WorkLimiter(
                maxRunning: self.configuration.maxStoreReadsPerConnection,
                maxWaiting: self.configuration.maxStoreReadsWaitingPerConnection,
                refusal: "too many reads of the database in flight on this connection; wait for their answers"
            ),
            logger: logger
        )
        let envelope = RequestEnvelope(
            method: ByteBuffer(string: method),
            authorization: request.metadata[stringValues: CatalogMetadata.authorization].first { _ in true },
            traceparent: traceparent,
            payload: ByteBuffer(bytes: request.message)
        )
        do {
            let answer: [UInt8]
            switch dispatcher.start(envelope).started {
            case .answered(.success(let body)):
                answer = try body.bytes()
            case .answered(.failure(let error)):
                throw error
            case .running(let work):
                answer = try await work().bytes()
            }
            Self.logAnswered(logger, code: .ok, since: started)
            return answer
        } catch {
            let status = RPCStatus.from(error, logger: logger)
            Self.logAnswered(logger, code: status.code, since: started)
            throw RPCError(status)
        }
    }

    /// The call's line at `debug`, as the framing's connections log theirs.
    private static func logAnswered(_ logger: Logger, code: StatusCode, since started: ContinuousClock.Instant) {
        guard logger.logLevel <= .debug else { return }
        let milliseconds = (ContinuousClock.now - started) / .milliseconds(1)
        logger.debug("call answered", metadata: ["code": "\(code.name)", "duration_ms": "\(milliseconds)"])
    }
}

/// 1, 2, 3, ... from any task.
private final class CallNumbers: Sendable {
    private let last = Atomic<UInt64>(0)

    func next() -> UInt64 {
        self.last.add(1, ordering: .relaxed).newValue
    }
}

extension MethodDescriptor {
    /// The descriptor of a framing method name, `package.Service/Method`.
    init?(catalogMethod name: String) {
        let parts = name.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else { return nil }
        self.init(fullyQualifiedService: String(parts[0]), method: String(parts[1]))
    }
}

extension ResponseBody {
    /// The answer's serialized bytes.
    func bytes() throws -> [UInt8] {
        switch self {
        case .message(let message): try message.serializedBytes()
        case .serialized(let bytes): bytes
        }
    }
}
