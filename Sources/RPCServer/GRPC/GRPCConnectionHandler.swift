import Codec
import Logging
import NIOCore
import NIOHPACK
import NIOHTTP2

/// Serves the gRPC calls of one HTTP/2 connection on its event loop: right after
/// swift-nio-http2's `NIOHTTP2Handler` (no stream multiplexer: every frame, with its stream id,
/// comes here), it reads each stream's HEADERS (`GRPCRequestHead`) and messages
/// (`GRPCMessageReader`), hands the calls to the same `CallCore` the framing uses, and writes
/// each answer as HEADERS, DATA and trailers. Decisions on time and flow-control credit are
/// `GRPCConnectionStateMachine`'s; HTTP/2 itself (HPACK, stream states, SETTINGS, GOAWAY and the
/// drain, idle and age limits) is swift-nio-http2's.
///
/// A unary call starts when its request ends (END_STREAM), so one read burst of calls is
/// answered in that burst, and the answers are flushed together at its end, as the framing's.
final class GRPCConnectionHandler: ChannelDuplexHandler {
    typealias InboundIn = HTTP2Frame
    typealias OutboundIn = HTTP2Frame
    typealias OutboundOut = HTTP2Frame

    /// Members without `private` are read by the extensions in `GRPCConnectionHandler+Unary` and
    /// `+Streaming`; nothing else in the module touches a connection's streams.
    enum Phase {
        /// Reading the request (a unary call's one message).
        case receiving
        /// The call runs: a unary call's task, or a streaming call's.
        case running
        /// Answered, or refused: later frames of the stream are dropped.
        case done
    }

    struct Stream {
        var head: GRPCRequestHead
        var reader: GRPCMessageReader
        var phase = Phase.receiving
        /// A unary call's request message, once whole.
        var message: ByteBuffer?
        /// A streaming call's request messages, while the peer may send more.
        var requests: AsyncStream<ByteBuffer>.Continuation?
        /// Whether the response's HEADERS were sent: a failure then ends with trailers alone.
        var headersSent = false
        var isStreaming: Bool
    }

    let core: CallCore
    var state: GRPCConnectionStateMachine
    var streams: [HTTP2StreamID: Stream] = [:]
    let maxMessageSize: Int
    /// Request messages a streaming call may have unread before its stream is reset.
    let maxQueuedRequests: Int
    let streamingCalls: StreamingCallSlots
    let logger: Logger

    var context: ChannelHandlerContext?
    var isReading = false
    var needsFlush = false
    var isFlushScheduled = false
    var timer = ConnectionTimer()

    init(
        core: CallCore,
        limits: GRPCConnectionStateMachine.Limits,
        now: NIODeadline,
        maxMessageSize: Int,
        maxQueuedRequests: Int = 16,
        streamingCalls: StreamingCallSlots,
        logger: Logger
    ) {
        self.core = core
        self.state = GRPCConnectionStateMachine(limits: limits, now: now)
        self.maxMessageSize = maxMessageSize
        self.maxQueuedRequests = maxQueuedRequests
        self.streamingCalls = streamingCalls
        self.logger = logger
    }

    // MARK: Lifecycle

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        if context.channel.isActive {
            self.raiseConnectionWindow(context: context)
        }
        self.armTimer(context: context)
    }

    func channelActive(context: ChannelHandlerContext) {
        self.raiseConnectionWindow(context: context)
        context.fireChannelActive()
    }

    /// HTTP/2 starts the connection's window at 64 KiB; the state machine's is larger, so that a
    /// burst of calls is not held for credit.
    func raiseConnectionWindow(context: ChannelHandlerContext) {
        let increment = self.state.limits.connectionWindow - 65_535
        guard increment > 0 else { return }
        context.writeAndFlush(
            self.wrapOutboundOut(
                HTTP2Frame(streamID: .rootStream, payload: .windowUpdate(windowSizeIncrement: increment))
            ),
            promise: nil
        )
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.timer.cancel()
        for stream in self.streams.values {
            stream.requests?.finish()
        }
        self.streams.removeAll()
        self.core.cancelAll(now: context.eventLoop.now)
        self.context = nil
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let closed = event as? StreamClosedEvent {
            self.streamClosed(closed.streamID, context: context)
        } else if event is ChannelShouldQuiesceEvent {
            // The connection manager sends GOAWAY; the grace it gives the calls starts only once
            // the peer answers its PING, so the deadline that closes the connection is ours.
            self.state.drain(now: context.eventLoop.now)
            self.armTimer(context: context)
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        self.state.writabilityChanged(isWritable: context.channel.isWritable, now: context.eventLoop.now)
        self.armTimer(context: context)
        context.fireChannelWritabilityChanged()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // HTTP/2's connection errors have been answered with GOAWAY by swift-nio-http2; stream
        // errors reset only their stream, and leave the connection serving.
        if error is NIOHTTP2Errors.StreamError {
            return
        }
        self.logger.debug("gRPC connection error", metadata: ["error": "\(error)"])
        context.close(promise: nil)
    }

    // MARK: Reading

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        self.isReading = true
        let frame = self.unwrapInboundIn(data)
        switch frame.payload {
        case .headers(let headers):
            self.received(headers, on: frame.streamID, context: context)
        case .data(let data):
            self.received(data, on: frame.streamID, context: context)
        case .ping(_, ack: false):
            if self.state.pingReceived(now: context.eventLoop.now) {
                self.goAway(.enhanceYourCalm, "too_many_pings", context: context)
            }
        default:
            // RST_STREAM ends its stream through StreamClosedEvent; the rest is HTTP/2's.
            break
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        self.isReading = false
        self.flushIfNeeded(context: context)
        self.armTimer(context: context)
        context.fireChannelReadComplete()
    }

    func received(
        _ frame: HTTP2Frame.FramePayload.Headers,
        on id: HTTP2StreamID,
        context: ChannelHandlerContext
    ) {
        if self.streams[id] != nil {
            // The request's trailers: only its end matters.
            if frame.endStream {
                self.requestEnded(on: id, context: context)
            }
            return
        }
        let head: GRPCRequestHead
        switch GRPCRequestHead.read(frame.headers.lazy.map { ($0.name, $0.value) }) {
        case .success(let read):
            head = read
        case .failure(.http(let status, let message)):
            self.refuse(id, headers: GRPCTrailers.http(status: status, message: message), peerDone: frame.endStream)
            return
        case .failure(.grpc(let status, let acceptEncoding)):
            let trailers = GRPCTrailers.failure(status, trailersOnly: true, acceptEncoding: acceptEncoding)
            self.refuse(id, headers: trailers, peerDone: frame.endStream)
            return
        }
        let isStreaming = self.core.isStreaming(head.method)
        self.streams[id] = Stream(
            head: head,
            reader: GRPCMessageReader(limit: self.maxMessageSize),
            isStreaming: isStreaming
        )
        self.state.opened(id)
        if isStreaming {
            self.startStreaming(on: id, context: context)
        }
        if frame.endStream {
            self.requestEnded(on: id, context: context)
        }
    }

    func received(_ frame: HTTP2Frame.FramePayload.Data, on id: HTTP2StreamID, context: ChannelHandlerContext) {
        guard case .byteBuffer(let bytes) = frame.data else { return }
        let flowControlled = bytes.readableBytes + (frame.paddingBytes.map { $0 + 1 } ?? 0)
        var stillSending = false
        var buffered = 0
        var failure: RPCStatus?
        // Taken out of the table while it reads, and its reader out of it, so that the buffer of a
        // message split across frames has one owner and grows in place.
        if var stream = self.streams.removeValue(forKey: id) {
            if stream.phase != .done {
                var reader = stream.reader.moved()
                do {
                    try reader.read(bytes) { message in
                        failure = failure ?? Self.take(message, into: &stream)
                    }
                } catch {
                    failure = self.status(of: error)
                }
                stream.reader = reader
                stillSending = !frame.endStream && failure == nil
                buffered = stream.reader.bufferedBytes
            }
            self.streams[id] = stream
        }
        let credit = self.state.received(
            on: id,
            flowControlledBytes: flowControlled,
            bufferedBytes: buffered,
            stillSending: stillSending,
            now: context.eventLoop.now
        )
        self.give(credit, on: id, context: context)
        if let failure {
            self.fail(id, failure, context: context)
        } else if frame.endStream {
            self.requestEnded(on: id, context: context)
        }
    }

    /// Hands a whole request message to its call.
    /// - Returns: why the stream must end, if it must.
    static func take(_ message: ByteBuffer, into stream: inout Stream) -> RPCStatus? {
        if stream.isStreaming {
            // Nothing reads messages the peer sends after its call ended: they are dropped.
            guard let requests = stream.requests, case .dropped = requests.yield(message) else { return nil }
            return RPCStatus(.resourceExhausted, "too many request messages unread; wait for the answers")
        }
        guard stream.message == nil else {
            return RPCStatus(.internal, "a unary call takes one request message")
        }
        stream.message = message
        return nil
    }

    func status(of error: GRPCMessageReader.Failure) -> RPCStatus {
        switch error {
        case .tooLarge(let length):
            RPCStatus(
                .resourceExhausted,
                "request message of \(length) bytes is over the limit of \(self.maxMessageSize)"
            )
        case .compressed:
            RPCStatus(.internal, "a compressed message without a grpc-encoding")
        }
    }

    /// The peer ended its side of the stream.
    func requestEnded(on id: HTTP2StreamID, context: ChannelHandlerContext) {
        guard var stream = self.streams[id], stream.phase == .receiving || stream.isStreaming else { return }
        if stream.isStreaming {
            stream.requests?.finish()
            stream.requests = nil
            self.streams[id] = stream
            return
        }
        guard let message = stream.message.take() else {
            self.fail(
                id,
                RPCStatus(.internal, "a unary call takes one request message; it sent none"),
                context: context
            )
            return
        }
        stream.phase = .running
        let envelope = stream.head.envelope(payload: message)
        let timeout = stream.head.timeout
        self.streams[id] = stream
        self.startUnary(envelope, timeout: timeout, on: id, context: context)
    }

    // MARK: Ending streams

    /// Answers a stream with `status` and ends it: a running call is cancelled, and a peer still
    /// sending is told to stop (RST_STREAM NO_ERROR after the trailers: the answer stands).
    func fail(_ id: HTTP2StreamID, _ status: RPCStatus, context: ChannelHandlerContext) {
        guard let stream = self.streams[id], stream.phase != .done else { return }
        let callID = UInt64(Int(id))
        if stream.phase == .running, let timing = self.core.abandon(callID: callID) {
            if stream.isStreaming {
                self.endStreaming(id, .failure(status), timing: timing, context: context)
            } else {
                self.answer(id, failing: status, timing: timing, context: context)
            }
        } else {
            stream.requests?.finish()
            self.streams[id]?.requests = nil
            self.streams[id]?.phase = .done
            let trailers = GRPCTrailers.failure(status, trailersOnly: !stream.headersSent)
            self.write(.headers(.init(headers: trailers, endStream: true)), on: id, context: context)
            self.answered(id, context: context)
        }
        self.write(.rstStream(.noError), on: id, context: context)
    }

    /// A stream turned away at its HEADERS: the answer, then RST_STREAM NO_ERROR if the peer
    /// has more to send.
    func refuse(_ id: HTTP2StreamID, headers: HPACKHeaders, peerDone: Bool) {
        guard let context = self.context else { return }
        self.write(.headers(.init(headers: headers, endStream: true)), on: id, context: context)
        if !peerDone {
            self.write(.rstStream(.noError), on: id, context: context)
        }
    }

    /// The stream is gone (answered, or reset by the peer): a call still running is cancelled.
    func streamClosed(_ id: HTTP2StreamID, context: ChannelHandlerContext) {
        if let stream = self.streams.removeValue(forKey: id) {
            stream.requests?.finish()
            if stream.phase == .running {
                self.core.cancel(callID: UInt64(Int(id)), now: context.eventLoop.now)
            }
        }
        self.give(self.state.closed(id, now: context.eventLoop.now), on: id, context: context)
    }

    func answered(_ id: HTTP2StreamID, context: ChannelHandlerContext) {
        self.state.answered(id, now: context.eventLoop.now)
    }

    // MARK: Writing

    /// Writes a frame, to be flushed with the others of this read burst or loop tick. The flush is
    /// arranged first: a frame that ends the last stream of a draining connection makes the
    /// connection manager close it on the next tick, and the flush must come before that.
    func write(_ payload: HTTP2Frame.FramePayload, on id: HTTP2StreamID, context: ChannelHandlerContext) {
        self.flushSoon(context: context)
        context.write(self.wrapOutboundOut(HTTP2Frame(streamID: id, payload: payload)), promise: nil)
    }

    func give(_ credit: GRPCConnectionStateMachine.Credit, on id: HTTP2StreamID, context: ChannelHandlerContext) {
        if credit.stream > 0 {
            self.write(.windowUpdate(windowSizeIncrement: credit.stream), on: id, context: context)
        }
        if credit.connection > 0 {
            self.write(.windowUpdate(windowSizeIncrement: credit.connection), on: .rootStream, context: context)
        }
    }

    /// Within a read burst, the burst's end flushes; otherwise the end of this loop tick does,
    /// so that answers from tasks finishing together go out together.
    func flushSoon(context: ChannelHandlerContext) {
        self.needsFlush = true
        guard !self.isReading, !self.isFlushScheduled else { return }
        self.isFlushScheduled = true
        let loopBound = NIOLoopBound((handler: self, context: context), eventLoop: context.eventLoop)
        context.eventLoop.execute {
            let (handler, context) = loopBound.value
            handler.isFlushScheduled = false
            handler.flushIfNeeded(context: context)
            handler.armTimer(context: context)
        }
    }

    func flushIfNeeded(context: ChannelHandlerContext) {
        guard self.needsFlush else { return }
        self.needsFlush = false
        context.flush()
    }

    /// GOAWAY with `code` and `reason`, then the connection closes.
    func goAway(_ code: HTTP2ErrorCode, _ reason: String, context: ChannelHandlerContext) {
        self.logger.debug("closing gRPC connection", metadata: ["reason": "\(reason)"])
        let frame = HTTP2Frame(
            streamID: .rootStream,
            payload: .goAway(lastStreamID: .maxID, errorCode: code, opaqueData: ByteBuffer(string: reason))
        )
        context.writeAndFlush(self.wrapOutboundOut(frame)).assumeIsolated().whenComplete { _ in
            context.close(promise: nil)
        }
    }

    // MARK: Time

    /// Makes sure a timer fires at the state machine's next deadline.
    func armTimer(context: ChannelHandlerContext) {
        guard let deadline = self.timer.needsTimer(at: self.state.nextDeadline()) else { return }
        let loopBound = NIOLoopBound((handler: self, context: context), eventLoop: context.eventLoop)
        self.timer.schedule(at: deadline, on: context.eventLoop) {
            let (handler, context) = loopBound.value
            handler.timer.fired()
            handler.timerFired(context: context)
        }
    }

    func timerFired(context: ChannelHandlerContext) {
        let action = self.state.timerFired(now: context.eventLoop.now)
        if action.closeNow {
            self.logger.debug("closing a gRPC connection: its peer takes no answer, or its drain is over")
            context.close(promise: nil)
            return
        }
        if action.quiesce {
            // Idle or too old: through the whole pipeline, so that the connection manager sends
            // GOAWAY (and this handler, reached after it, sets its drain deadline).
            context.channel.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
        }
        let seconds = self.state.limits.frameTimeout.nanoseconds / 1_000_000_000
        for id in action.resetStreams {
            self.fail(
                id,
                RPCStatus(.resourceExhausted, "a request message took longer than \(seconds) s to arrive"),
                context: context
            )
        }
        self.flushIfNeeded(context: context)
        self.armTimer(context: context)
    }
}

@available(*, unavailable)
extension GRPCConnectionHandler: Sendable {}
