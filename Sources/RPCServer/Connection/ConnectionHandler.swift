import Codec
import Domain
import Logging
import NIOCore
import SwiftProtobuf
import Telemetry

/// Serves the calls of one connection: cuts the byte stream into frames, reads each frame's
/// `Request`, and writes each answer as one frame. Every decision is `ConnectionStateMachine`'s,
/// on the event loop's clock; starting a call is `CallDispatcher`'s. This handler only carries
/// out what they return.
///
/// Writes are gathered: every response produced while a read burst is processed goes
/// into one buffer, written and flushed once at `channelReadComplete`, so a burst of
/// small calls costs one TLS record rather than one per call.
final class ConnectionHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private var state: ConnectionStateMachine<RequestEnvelope>
    /// Everything about a call that is not the framing's wire format.
    private let core: CallCore
    /// Cuts frames out of the bytes read; what it holds past the last whole frame is a frame
    /// still arriving, which the frame timeout bounds.
    private let frames: NIOSingleStepByteToMessageProcessor<FrameDecoder>
    private let logger: Logger
    private let connectionMetrics: ConnectionMetrics?
    private var tlsFailure = TLSFailureTally()

    private var outbound: ByteBuffer?
    private var isReading = false
    /// A call arrived in the current read burst: the burst's end marks the connection active.
    private var receivedCall = false
    private var isFlushScheduled = false
    /// The one timer the state machine asked for.
    private var timer = ConnectionTimer()

    init(
        registry: MethodRegistry,
        authenticator: any Authenticator,
        configuration: ServerConfiguration,
        clientAddress: String?,
        now: NIODeadline,
        metrics: ServerMetrics? = nil,
        logger: Logger
    ) {
        self.state = ConnectionStateMachine(limits: configuration.connectionLimits, now: now)
        self.connectionMetrics = metrics?.framingConnections
        self.core = CallCore(
            registry: registry,
            authenticator: authenticator,
            configuration: configuration,
            clientAddress: clientAddress,
            calls: metrics?.framingCalls,
            logger: logger
        )
        self.frames = NIOSingleStepByteToMessageProcessor(FrameDecoder(maxFrameSize: configuration.maxFrameSize))
        self.logger = logger
    }

    // MARK: Lifecycle

    func handlerAdded(context: ChannelHandlerContext) {
        self.armTimer(context: context)
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.state.closed()
        self.timer.cancel()
        self.core.cancelAll(now: context.eventLoop.now)
        context.fireChannelInactive()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is ChannelShouldQuiesceEvent {
            self.close(ifEnded: self.state.drain(now: context.eventLoop.now), context: context)
            self.writeGathered(context: context)
            self.armTimer(context: context)
        } else {
            self.tlsFailure.observe(event)
            context.fireUserInboundEventTriggered(event)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        self.logger.debug("connection error", metadata: ["error": "\(error)"])
        if self.tlsFailure.isHandshakeFailure(error) {
            self.connectionMetrics?.add(.tlsFailed)
        }
        context.close(promise: nil)
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        let isWritable = context.channel.isWritable
        let action = self.state.writabilityChanged(isWritable: isWritable, now: context.eventLoop.now)
        for call in action.start {
            self.start(call, context: context)
        }
        if action.resumeReading {
            self.resumeReading(context: context)
        }
        if !isWritable {
            self.armTimer(context: context)
        }
        context.fireChannelWritabilityChanged()
    }

    // MARK: Reading

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        self.isReading = true
        let bytes = self.unwrapInboundIn(data)
        self.connectionMetrics?.add(.bytesReceived, bytes.readableBytes)
        do {
            try self.frames.process(buffer: bytes) { frame in
                self.received(frame: frame, context: context)
            }
        } catch let error as FrameTooLargeError {
            self.close(ifEnded: self.state.fail(RPCStatus(.resourceExhausted, error.description)), context: context)
        } catch {
            // The frame callback throws nothing else; kept for the processor's signature.
            self.errorCaught(context: context, error: error)
        }
    }

    private func received(frame: ByteBuffer, context: ChannelHandlerContext) {
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
            // Refused before it started (too many in flight, draining): counted and logged all the same.
            self.core.refused(request, callID: callID, code: status.code, now: context.eventLoop.now)
            self.write(Catalog_V1_Response(callID: callID, status: status), context: context)
        case .close(let status):
            self.close(with: status, context: context)
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        self.isReading = false
        let partialFrame = self.frames.unprocessedBytes > 0
        if self.receivedCall || partialFrame {
            // Once per burst rather than per call: the timeouts need no finer clock.
            self.state.readComplete(
                receivedCall: self.receivedCall,
                partialFrame: partialFrame,
                now: context.eventLoop.now
            )
            self.receivedCall = false
            if partialFrame {
                self.armTimer(context: context)
            }
        }
        self.writeGathered(context: context)
        context.fireChannelReadComplete()
    }

    func read(context: ChannelHandlerContext) {
        if self.state.shouldRead() {
            context.read()
        } else {
            self.connectionMetrics?.add(.readHeld)
        }
    }

    // MARK: Calls

    private func start(_ request: RequestEnvelope, context: ChannelHandlerContext) {
        let (timing, outcome) = self.core.start(request, now: context.eventLoop.now)
        switch consume outcome {
        case .answered(let result):
            self.finish(callID: request.callID, result, timing: timing, context: context)
        case .running(let work):
            self.run(work, request, timing: timing, context: context)
        }
    }

    /// Hands a call that needs I/O to the core; its answer comes back through `finish`.
    private func run(
        _ work: @escaping @Sendable () async throws -> ResponseBody,
        _ request: RequestEnvelope,
        timing: CallCore.Timing,
        context: ChannelHandlerContext
    ) {
        let loopBound = NIOLoopBound((handler: self, context: context), eventLoop: context.eventLoop)
        self.core.run(
            work,
            callID: request.callID,
            timeout: request.timeoutMs == 0 ? nil : .milliseconds(Int64(request.timeoutMs)),
            timing: timing,
            eventLoop: context.eventLoop
        ) { callID, result in
            loopBound.value.handler.finish(callID: callID, result, timing: nil, context: loopBound.value.context)
        }
    }

    /// Answers a call once; a second answer (the handler after its deadline) is dropped. The
    /// call that waited for the freed slot starts next, and while such calls answer at once each
    /// frees its slot to the next: a loop, never recursion (one read burst can queue thousands),
    /// which yields the event loop every `queuedStartBatch` calls so that the other connections
    /// on it are served meanwhile.
    /// - Parameter timing: the call's, for one answered as it started; `nil` for a running call,
    ///   whose timing is kept with it.
    ///
    /// The answer is `consuming` down to `answer`, and each step hands it on with `consume`:
    /// passed by borrow, every `switch` over it copied its payload through a value witness
    /// (retain, release), 3% of GetProduct's calls per second pinned.
    private func finish(
        callID: UInt64,
        _ result: consuming Result<ResponseBody, any Error>,
        timing: CallCore.Timing?,
        context: ChannelHandlerContext
    ) {
        var next = self.complete(callID: callID, consume result, timing: timing, context: context)
        var started = 0
        while let call = next {
            started += 1
            guard started <= Self.queuedStartBatch else {
                let loopBound = NIOLoopBound((handler: self, context: context), eventLoop: context.eventLoop)
                context.eventLoop.execute {
                    loopBound.value.handler.start(call, context: loopBound.value.context)
                }
                return
            }
            let (timing, outcome) = self.core.start(call, now: context.eventLoop.now)
            switch consume outcome {
            case .answered(let result):
                next = self.complete(callID: call.callID, result, timing: timing, context: context)
            case .running(let work):
                self.run(work, call, timing: timing, context: context)
                next = nil
            }
        }
    }

    /// Calls started back to back from the waiting queue before the event loop is yielded.
    private static let queuedStartBatch = 64

    /// Records a call's end and writes its answer.
    /// - Returns: the call that waited for this slot, to start now.
    private func complete(
        callID: UInt64,
        _ result: consuming Result<ResponseBody, any Error>,
        timing: CallCore.Timing?,
        context: ChannelHandlerContext
    ) -> RequestEnvelope? {
        let action = self.state.finish(callID: callID)
        guard action.answer else { return nil }
        let runningTiming = self.core.ended(callID: callID)
        if !self.isReading {
            // An answer from a task; answers given while reading are marked at the burst's end.
            self.state.answered(now: context.eventLoop.now)
        }
        let call = timing ?? runningTiming
        let code = self.answer(callID: callID, consume result, timing: call, context: context)
        if let call {
            self.core.record(call, callID: callID, code: code, now: context.eventLoop.now)
        }

        if let status = action.close {
            self.close(with: status, context: context)
        } else if !self.isReading {
            self.scheduleFlush(context: context)
        }
        if action.resumeReading {
            self.resumeReading(context: context)
        }
        return action.start
    }

    /// Reads again after reading was held. A frame begun before the hold gets its full timeout
    /// from now: its rest could not arrive meanwhile.
    private func resumeReading(context: ChannelHandlerContext) {
        if self.frames.unprocessedBytes > 0 {
            self.state.readComplete(receivedCall: false, partialFrame: true, now: context.eventLoop.now)
            self.armTimer(context: context)
        }
        context.read()
    }

    /// Appends a call's answer to the gathered writes.
    /// - Returns: the answer's status code.
    @discardableResult
    private func answer(
        callID: UInt64,
        _ result: consuming Result<ResponseBody, any Error>,
        timing: CallCore.Timing?,
        context: ChannelHandlerContext
    ) -> StatusCode {
        let failure: any Error
        switch consume result {
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
                return .ok
            } catch {
                failure = error
            }
        case .failure(let error):
            failure = error
        }
        let status = self.core.status(of: failure, callID: callID, timing: timing)
        self.write(Catalog_V1_Response(callID: callID, status: status), context: context)
        return status.code
    }

    // MARK: Time

    /// Makes sure a timer fires at the state machine's next deadline.
    private func armTimer(context: ChannelHandlerContext) {
        guard let deadline = self.timer.needsTimer(at: self.state.nextDeadline(now: context.eventLoop.now)) else {
            return
        }
        let loopBound = NIOLoopBound((handler: self, context: context), eventLoop: context.eventLoop)
        self.timer.schedule(at: deadline, on: context.eventLoop) {
            let (handler, context) = loopBound.value
            handler.timer.fired()
            handler.timerFired(context: context)
        }
    }

    private func timerFired(context: ChannelHandlerContext) {
        switch self.state.timerFired(now: context.eventLoop.now) {
        case .none:
            break
        case .close(let status):
            self.close(with: status, context: context)
        case .abandon(let callIDs, let status):
            self.logger.debug("drain timeout: cancelling calls", metadata: ["calls": "\(callIDs.count)"])
            for callID in callIDs {
                let timing = self.core.abandon(callID: callID)
                let code = self.answer(callID: callID, .failure(status), timing: timing, context: context)
                if let timing {
                    self.core.record(timing, callID: callID, code: code, now: context.eventLoop.now)
                }
            }
            self.close(with: status, context: context)
        case .closeNow:
            self.logger.debug("closing a connection whose peer does not read")
            context.close(promise: nil)
        }
        self.armTimer(context: context)
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
        self.connectionMetrics?.add(.bytesSent, buffer.readableBytes)
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

    /// Sends the connection error (call_id 0) after everything gathered, then closes once it is
    /// flushed, or at the state machine's closing deadline if the peer does not read it.
    private func close(with status: RPCStatus, context: ChannelHandlerContext) {
        self.logger.debug("closing connection", metadata: ["status": "\(status.code)"])
        var buffer = self.outbound.take() ?? context.channel.allocator.buffer(capacity: 64)
        try? buffer.writeFrame(Catalog_V1_Response(callID: 0, status: status))
        context.writeAndFlush(self.wrapOutboundOut(buffer)).assumeIsolated().whenComplete { _ in
            context.close(promise: nil)
        }
        self.state.closingFrameWritten(now: context.eventLoop.now)
        self.armTimer(context: context)
    }
}

@available(*, unavailable)
extension ConnectionHandler: Sendable {}
