import Codec
import Domain
import Logging
import NIOCore
import NIOExtras
import SwiftProtobuf

/// Serves the calls of one connection: decodes each frame's `Request`, authenticates,
/// dispatches, and writes each answer as one frame. Rules live in `ConnectionStateMachine`.
///
/// Writes are gathered: every response produced while a read burst is processed goes
/// into one buffer, written and flushed once at `channelReadComplete`, so a burst of
/// small calls costs one TLS record rather than one per call.
final class ConnectionHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private struct RunningCall {
        var task: Task<Void, Never>
        var deadline: Scheduled<Void>
    }

    private var state: ConnectionStateMachine<RequestEnvelope>
    private let registry: MethodRegistry
    private let authenticator: any Authenticator
    private let configuration: ServerConfiguration
    private let logger: Logger
    /// The peer's address as limits key it (`SocketAddress.clientKey`), for login throttling.
    private let clientAddress: String?
    /// What a handler is told of an anonymous call, made once: a context per call would copy the
    /// logger, whose shared parts both event loops would then retain and release on every call.
    private let anonymousContext: CallContext

    private var outbound: ByteBuffer?
    private var isReading = false
    /// A call arrived in the current read burst: the burst's end marks the connection active.
    private var receivedCall = false
    private var isFlushScheduled = false
    private var running: [UInt64: RunningCall] = [:]
    private var lastActivity = NIODeadline.now()
    private var idleCheck: Scheduled<Void>?
    /// The last method called and its handler. A connection mostly calls one method over and
    /// over, and comparing its name costs less than hashing it for the registry. The name is a
    /// copy, so that it does not keep a read buffer alive.
    private var lastMethod: (name: ByteBuffer, handler: MethodHandler)?

    init(
        registry: MethodRegistry,
        authenticator: any Authenticator,
        configuration: ServerConfiguration,
        clientAddress: String?,
        logger: Logger
    ) {
        self.clientAddress = clientAddress
        self.state = ConnectionStateMachine(maxInFlight: configuration.maxInFlightCallsPerConnection)
        self.registry = registry
        self.authenticator = authenticator
        self.configuration = configuration
        self.logger = logger
        self.anonymousContext = CallContext(caller: .anonymous, clientAddress: clientAddress, logger: logger)
    }

    // MARK: Lifecycle

    func handlerAdded(context: ChannelHandlerContext) {
        self.scheduleIdleCheck(context: context, in: TimeAmount(self.configuration.idleTimeout))
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.state.closed()
        self.idleCheck?.cancel()
        for call in self.running.values {
            call.deadline.cancel()
            call.task.cancel()
        }
        self.running.removeAll()
        context.fireChannelInactive()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is ChannelShouldQuiesceEvent {
            self.close(ifEnded: self.state.drain(), context: context)
            self.writeGathered(context: context)
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let error = error as? FrameTooLargeError {
            self.close(ifEnded: self.state.fail(RPCStatus(.resourceExhausted, error.description)), context: context)
            self.writeGathered(context: context)
        } else {
            self.logger.debug("connection error", metadata: ["error": "\(error)"])
            context.close(promise: nil)
        }
    }

    // MARK: Reading

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        self.isReading = true
        let frame = self.unwrapInboundIn(data)
        let request: RequestEnvelope
        do {
            request = try RequestEnvelope(frame: frame)
        } catch {
            let status = RPCStatus(.invalidArgument, "frame is not a catalog.v1.Request")
            self.close(ifEnded: self.state.fail(status), context: context)
            return
        }
        self.receivedCall = true
        switch self.state.receive(callID: request.callID, request) {
        case .start:
            self.start(request, context: context)
        case .none:
            break
        case .reject(let callID, let status):
            self.write(Catalog_V1_Response(callID: callID, status: status), context: context)
        case .close(let status):
            self.close(with: status, context: context)
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        self.isReading = false
        if self.receivedCall {
            // Once per burst rather than per call: the idle timeout needs no finer clock. A burst
            // of partial frames marks nothing, so a trickle of bytes cannot keep a connection open.
            self.receivedCall = false
            self.lastActivity = .now()
        }
        self.writeGathered(context: context)
        context.fireChannelReadComplete()
    }

    func read(context: ChannelHandlerContext) {
        if self.state.shouldRead() {
            context.read()
        }
    }

    // MARK: Calls

    private func start(_ request: RequestEnvelope, context: ChannelHandlerContext) {
        let callID = request.callID
        do {
            guard let handler = self.handler(for: request.method) else {
                throw RPCStatus(.unimplemented, "unknown method \"\(request.methodName)\"")
            }
            switch try self.authenticator.authenticate(authorization: request.authorization) {
            case .caller(let caller):
                // The usual path: the caller is known from memory, the handler's first part runs here.
                let outcome =
                    caller.admin == nil
                    ? try Self.invoke(handler, request, self.anonymousContext)
                    : try Self.invoke(
                        handler,
                        request,
                        CallContext(caller: caller, clientAddress: self.clientAddress, logger: self.logger)
                    )
                switch outcome {
                case .completed(let response):
                    self.finish(callID: callID, .success(.message(response)), context: context)
                case .completedSerialized(let bytes):
                    self.finish(callID: callID, .success(.serialized(bytes)), context: context)
                case .pending(let work):
                    self.run(
                        { .message(try await work()) },
                        callID: callID,
                        timeoutMs: request.timeoutMs,
                        context: context
                    )
                }
            case .verify(let verify):
                // A token not seen before: verify it off the loop, then run the whole call there.
                let (clientAddress, logger) = (self.clientAddress, self.logger)
                let work: @Sendable () async throws -> ResponseBody = {
                    let caller = try await verify()
                    let context = CallContext(caller: caller, clientAddress: clientAddress, logger: logger)
                    switch try Self.invoke(handler, request, context) {
                    case .completed(let response): return .message(response)
                    case .completedSerialized(let bytes): return .serialized(bytes)
                    case .pending(let work): return .message(try await work())
                    }
                }
                self.run(work, callID: callID, timeoutMs: request.timeoutMs, context: context)
            }
        } catch {
            self.finish(callID: callID, .failure(error), context: context)
        }
    }

    private func handler(for method: ByteBuffer) -> MethodHandler? {
        if let last = self.lastMethod, last.name == method {
            return last.handler
        }
        guard let handler = self.registry[method] else { return nil }
        self.lastMethod = (ByteBuffer(bytes: method.readableBytesView), handler)
        return handler
    }

    /// Checks the method's access level, then runs the handler's synchronous part.
    private static func invoke(
        _ handler: MethodHandler,
        _ request: RequestEnvelope,
        _ context: CallContext
    ) throws -> CallOutcome {
        if handler.access == .admin, context.caller.admin == nil {
            throw RPCStatus(.unauthenticated, "\(request.methodName) requires an admin; log in first")
        }
        return try handler.handle(request.payload, context)
    }

    private func run(
        _ work: @escaping @Sendable () async throws -> ResponseBody,
        callID: UInt64,
        timeoutMs: UInt32,
        context: ChannelHandlerContext
    ) {
        let eventLoop = context.eventLoop
        let loopBound = NIOLoopBound((handler: self, context: context), eventLoop: eventLoop)
        // The task runs the handler's I/O off the event loop; its result is handed back to the
        // loop, where all of this handler's state lives. It is cancelled with the connection.
        let task = Task {
            let result: Result<ResponseBody, any Error>
            do {
                result = .success(try await work())
            } catch {
                result = .failure(error)
            }
            eventLoop.execute {
                loopBound.value.handler.finish(callID: callID, result, context: loopBound.value.context)
            }
        }
        let timeout: TimeAmount =
            timeoutMs == 0
            ? TimeAmount(self.configuration.defaultCallTimeout)
            : .milliseconds(Int64(timeoutMs))
        let deadline = eventLoop.scheduleTask(in: timeout) {
            let (handler, context) = loopBound.value
            task.cancel()
            handler.finish(
                callID: callID,
                .failure(RPCStatus(.deadlineExceeded, "the call did not finish within its deadline")),
                context: context
            )
        }
        self.running[callID] = RunningCall(task: task, deadline: deadline)
    }

    /// Answers a call once; a second answer (the handler after its deadline) is dropped.
    private func finish(
        callID: UInt64,
        _ result: Result<ResponseBody, any Error>,
        context: ChannelHandlerContext
    ) {
        let action = self.state.finish(callID: callID)
        guard action.answer else { return }
        self.running.removeValue(forKey: callID)?.deadline.cancel()
        if !self.isReading {
            // An answer from a task; answers given while reading are marked at the burst's end.
            self.lastActivity = .now()
        }

        switch result {
        case .success(let body):
            do {
                // Serialization happens before anything is written, so a failure leaves the buffer intact.
                try self.appendOutbound(context: context) { buffer in
                    switch body {
                    case .message(let message):
                        try buffer.writeResponseFrame(callID: callID, payload: message)
                    case .serialized(let bytes):
                        buffer.writeResponseFrame(callID: callID, serializedPayload: bytes)
                    }
                }
            } catch {
                self.write(Self.failure(callID: callID, error, logger: self.logger), context: context)
            }
        case .failure(let error):
            self.write(Self.failure(callID: callID, error, logger: self.logger), context: context)
        }

        if let next = action.start {
            self.start(next, context: context)
        }
        if let status = action.close {
            self.close(with: status, context: context)
        } else if !self.isReading {
            self.scheduleFlush(context: context)
        }
        if action.resumeReading {
            context.read()
        }
    }

    private static func failure(callID: UInt64, _ error: any Error, logger: Logger) -> Catalog_V1_Response {
        var logger = logger
        logger[metadataKey: "call_id"] = "\(callID)"
        return Catalog_V1_Response(callID: callID, status: RPCStatus.from(error, logger: logger))
    }

    // MARK: Writing

    private func write(_ response: Catalog_V1_Response, context: ChannelHandlerContext) {
        // A Response of our own making always serializes.
        try? self.appendOutbound(context: context) { try $0.writeFrame(response) }
    }

    /// Appends to the gathered answers in place. The buffer is taken out of `outbound` while
    /// written: a second reference would make every write copy the whole buffer.
    private func appendOutbound(
        context: ChannelHandlerContext,
        _ write: (inout ByteBuffer) throws -> Void
    ) rethrows {
        var buffer = self.outbound.take() ?? context.channel.allocator.buffer(capacity: 1024)
        defer { self.outbound = buffer }
        try write(&buffer)
    }

    /// Writes and flushes what was gathered.
    private func writeGathered(context: ChannelHandlerContext) {
        guard let buffer = self.outbound, buffer.readableBytes > 0 else { return }
        self.outbound = nil
        context.writeAndFlush(self.wrapOutboundOut(buffer), promise: nil)
    }

    /// Answers that arrive from tasks between reads are flushed together at the end of this loop tick.
    private func scheduleFlush(context: ChannelHandlerContext) {
        guard !self.isFlushScheduled else { return }
        self.isFlushScheduled = true
        let loopBound = NIOLoopBound((handler: self, context: context), eventLoop: context.eventLoop)
        context.eventLoop.execute {
            let (handler, context) = loopBound.value
            handler.isFlushScheduled = false
            handler.writeGathered(context: context)
        }
    }

    /// Closes with `status` when the state machine ended the connection (a `nil` status: not yet).
    private func close(ifEnded status: RPCStatus?, context: ChannelHandlerContext) {
        if let status {
            self.close(with: status, context: context)
        }
    }

    /// Sends the connection error (call_id 0) after everything gathered, then closes.
    private func close(with status: RPCStatus, context: ChannelHandlerContext) {
        self.logger.debug("closing connection", metadata: ["status": "\(status.code)"])
        var buffer = self.outbound.take() ?? context.channel.allocator.buffer(capacity: 64)
        try? buffer.writeFrame(Catalog_V1_Response(callID: 0, status: status))
        context.writeAndFlush(self.wrapOutboundOut(buffer)).assumeIsolated().whenComplete { _ in
            context.close(promise: nil)
        }
    }

    // MARK: Idle timeout

    private func scheduleIdleCheck(context: ChannelHandlerContext, in delay: TimeAmount) {
        let loopBound = NIOLoopBound((handler: self, context: context), eventLoop: context.eventLoop)
        self.idleCheck = context.eventLoop.scheduleTask(in: delay) {
            loopBound.value.handler.checkIdle(context: loopBound.value.context)
        }
    }

    private func checkIdle(context: ChannelHandlerContext) {
        let idleTimeout = TimeAmount(self.configuration.idleTimeout)
        let idleUntil = self.lastActivity + idleTimeout
        if self.state.isIdle, idleUntil <= .now(), let status = self.state.idleTimeout() {
            self.close(with: status, context: context)
        } else if case .serving = self.state.phase {
            let wait = self.state.isIdle ? idleUntil - .now() : idleTimeout
            self.scheduleIdleCheck(context: context, in: wait)
        }
    }
}

/// A successful answer's payload: a message to serialize, or one serialized before.
enum ResponseBody: Sendable {
    case message(any SwiftProtobuf.Message)
    case serialized([UInt8])
}
