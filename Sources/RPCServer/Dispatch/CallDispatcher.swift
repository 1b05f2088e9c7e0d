import Codec
import Domain
import Logging
import NIOCore
import SwiftProtobuf

/// Starts the calls of one connection: finds the method's handler, authenticates the caller,
/// checks the method's access and runs the handler's synchronous part. It knows nothing of
/// the channel: what it cannot answer at once it hands back as work for a task.
struct CallDispatcher {
    /// How a call went on being started.
    enum Started {
        /// Answered on the spot (GetProduct from the cache, Health, any error).
        case answered(Result<ResponseBody, any Error>)
        /// Needs I/O, or a token not seen before: the work to run as a task.
        case running(@Sendable () async throws -> ResponseBody)
    }

    private let registry: MethodRegistry
    private let authenticator: any Authenticator
    private let logger: Logger
    /// The peer's address as limits key it (`SocketAddress.clientKey`), for login throttling.
    private let clientAddress: String?
    private let connectionReads: WorkLimiter
    /// What a handler is told of an anonymous call, made once: a context per call would copy the
    /// logger, whose shared parts both event loops would then retain and release on every call.
    private let anonymousContext: CallContext
    /// The last method called and its handler. A connection mostly calls one method over and
    /// over, and comparing its name costs less than hashing it for the registry. The name is a
    /// copy, so that it does not keep a read buffer alive.
    private var lastMethod: (name: [UInt8], handler: MethodHandler)?
    /// The last admin call's authentication, which the next call with the same token reuses
    /// while it holds (`TokenAuthenticator`), and the context made for that admin.
    private var authentication: AuthenticationMemo?
    private var adminContext: CallContext?

    init(
        registry: MethodRegistry,
        authenticator: any Authenticator,
        clientAddress: String?,
        connectionReads: WorkLimiter,
        logger: Logger
    ) {
        self.registry = registry
        self.authenticator = authenticator
        self.clientAddress = clientAddress
        self.connectionReads = connectionReads
        self.logger = logger
        self.anonymousContext = CallContext(
            caller: .anonymous,
            clientAddress: clientAddress,
            logger: logger,
            connectionReads: connectionReads
        )
    }

    /// Where the call metrics count a call of `request`'s method (`MethodRegistry.callMethods`).
    mutating func metricsIndex(of request: RequestEnvelope) -> Int {
        self.handler(for: request)?.metricsIndex ?? self.registry.streaming(request.method)?.metricsIndex
            ?? self.registry.unknownMethodIndex
    }

    /// A streaming call, once its caller may make it: what its task runs.
    typealias StreamingStart =
        @Sendable (_ requests: AsyncStream<ByteBuffer>, _ send: @escaping @Sendable ([UInt8]) async throws -> Void)
        async throws -> Void

    /// Whether `method` names a streaming method.
    func isStreaming(_ method: ByteBuffer) -> Bool {
        self.registry.streaming(method) != nil
    }

    /// Starts a streaming call: authenticates its caller (a token not seen before is verified
    /// in the call's task) and checks the method's access.
    /// - Returns: where the call metrics count it, and its body or why it may not run.
    mutating func startStreaming(
        _ request: RequestEnvelope
    ) -> (metricsIndex: Int, started: Result<StreamingStart, any Error>) {
        guard let handler = self.registry.streaming(request.method) else {
            let status = RPCStatus(.unimplemented, "unknown method \"\(request.methodName)\"")
            return (self.registry.unknownMethodIndex, .failure(status))
        }
        let methodName = request.methodName
        let (clientAddress, logger, connectionReads) = (self.clientAddress, self.logger, self.connectionReads)
        let authentication: Authentication
        do {
            authentication = try self.authenticator.authenticate(request, memo: &self.authentication)
        } catch {
            return (handler.metricsIndex, .failure(error))
        }
        if case .caller(let caller) = authentication {
            do {
                try handler.access.check(caller, methodName: methodName)
            } catch {
                return (handler.metricsIndex, .failure(error))
            }
        }
        return (
            handler.metricsIndex,
            .success { requests, send in
                let caller: Caller
                switch authentication {
                case .caller(let known): caller = known
                case .verify(let verify): caller = try await verify()
                }
                try handler.access.check(caller, methodName: methodName)
                let context = CallContext(
                    caller: caller,
                    clientAddress: clientAddress,
                    logger: logger,
                    connectionReads: connectionReads
                )
                try await handler.run(StreamingCall(requests: requests, context: context, sendSerialized: send))
            }
        )
    }

    /// The name of the method the call metrics count at `index`, or `unknown`.
    func methodName(at index: Int) -> String {
        let names = self.registry.methodNames
        return names.indices.contains(index) ? names[index] : "unknown"
    }

    /// Starts a call.
    /// - Returns: where the call metrics count it, and how it went on being started.
    mutating func start(_ request: RequestEnvelope) -> (metricsIndex: Int, started: Started) {
        guard let handler = self.handler(for: request) else {
            if let streaming = self.registry.streaming(request.method) {
                let status = RPCStatus(.unimplemented, "\(request.methodName) streams: call it over gRPC")
                return (streaming.metricsIndex, .answered(.failure(status)))
            }
            let status = RPCStatus(.unimplemented, "unknown method \"\(request.methodName)\"")
            return (self.registry.unknownMethodIndex, .answered(.failure(status)))
        }
        return (handler.metricsIndex, self.start(request, handler))
    }

    private mutating func start(_ request: RequestEnvelope, _ handler: MethodHandler) -> Started {
        do {
            switch try self.authenticator.authenticate(request, memo: &self.authentication) {
            case .caller(let caller):
                // The usual path: the caller is known from memory, the handler's first part runs here.
                let context = caller.admin == nil ? self.anonymousContext : self.context(for: caller)
                switch try Self.invoke(handler, request, context) {
                case .completed(let response):
                    return .answered(.success(.message(response)))
                case .completedSerialized(let bytes):
                    return .answered(.success(.serialized(bytes)))
                case .pending(let work):
                    // Serialized in the task: a large answer (a page of 1000 products) must not
                    // hold the event loop that every other connection on it shares.
                    return .running { .serialized(try await work().serializedBytes()) }
                }
            case .verify(let verify):
                // A token not seen before: verify it off the loop, then run the whole call there.
                let (clientAddress, logger, connectionReads) = (self.clientAddress, self.logger, self.connectionReads)
                return .running {
                    let caller = try await verify()
                    let context = CallContext(
                        caller: caller,
                        clientAddress: clientAddress,
                        logger: logger,
                        connectionReads: connectionReads
                    )
                    switch try Self.invoke(handler, request, context) {
                    case .completed(let response): return .message(response)
                    case .completedSerialized(let bytes): return .serialized(bytes)
                    case .pending(let work): return .serialized(try await work().serializedBytes())
                    }
                }
            }
        } catch {
            return .answered(.failure(error))
        }
    }

    /// The context of an admin's call: the last one's again for the same admin, as the
    /// anonymous one is made once, so that a connection's calls do not each copy the logger.
    private mutating func context(for caller: Caller) -> CallContext {
        if let context = self.adminContext, context.caller == caller {
            return context
        }
        let context = CallContext(
            caller: caller,
            clientAddress: self.clientAddress,
            logger: self.logger,
            connectionReads: self.connectionReads
        )
        self.adminContext = context
        return context
    }

    private mutating func handler(for request: RequestEnvelope) -> MethodHandler? {
        if let last = self.lastMethod, request.methodIs(last.name) {
            return last.handler
        }
        let method = request.method
        guard let handler = self.registry[method] else { return nil }
        self.lastMethod = (Array(method.readableBytesView), handler)
        return handler
    }

    /// Checks the method's access level, then runs the handler's synchronous part.
    private static func invoke(
        _ handler: MethodHandler,
        _ request: RequestEnvelope,
        _ context: CallContext
    ) throws -> CallOutcome {
        try handler.access.check(context.caller, methodName: request.methodName)
        return try handler.handle(request.payload, context)
    }
}

/// A successful answer's payload: a message to serialize, or one serialized before.
enum ResponseBody: Sendable {
    case message(any SwiftProtobuf.Message)
    case serialized([UInt8])
}
