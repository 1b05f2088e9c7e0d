import Codec
import NIOCore
import NIOHPACK
import NIOHTTP2

/// Streaming calls (Health.Watch, reflection): a task per call on the `CallCore`, reading the
/// stream's messages and sending its own, each send waiting until HTTP/2 let it out.
extension GRPCConnectionHandler {
    func startStreaming(on id: HTTP2StreamID, context: ChannelHandlerContext) {
        guard var stream = self.streams[id] else { return }
        let callID = UInt64(Int(id))
        let now = context.eventLoop.now
        let request = stream.head.envelope(payload: ByteBuffer())
        let (timing, started) = self.core.startStreaming(request, now: now)
        let body: CallDispatcher.StreamingStart
        switch started {
        case .success(let start):
            body = start
        case .failure(let error):
            let status = self.core.status(of: error, callID: callID, timing: timing)
            self.endStreaming(id, .failure(status), timing: timing, context: context)
            return
        }
        guard self.streamingCalls.acquire() else {
            let status = RPCStatus(
                .resourceExhausted,
                "too many streaming calls open on this server (\(self.streamingCalls.limit)); try again later"
            )
            self.endStreaming(id, .failure(status), timing: timing, context: context)
            return
        }
        let (requests, continuation) = AsyncStream.makeStream(
            of: ByteBuffer.self,
            bufferingPolicy: .bufferingOldest(self.maxQueuedRequests)
        )
        stream.requests = continuation
        stream.phase = .running
        self.streams[id] = stream
        let loopBound = NIOLoopBound((handler: self, context: context), eventLoop: context.eventLoop)
        let eventLoop = context.eventLoop
        let send: @Sendable ([UInt8]) async throws -> Void = { bytes in
            try await eventLoop.flatSubmit {
                loopBound.value.handler.send(bytes, on: id, eventLoop: eventLoop)
            }.get()
        }
        // The slot is the work's, not the stream's: it is free once the task has ended.
        let run: @Sendable () async throws -> Void = { [slots = self.streamingCalls] in
            defer { slots.release() }
            try await body(requests, send)
        }
        self.core.runStreaming(
            run,
            callID: callID,
            timeout: stream.head.timeout,
            timing: timing,
            eventLoop: eventLoop
        ) { callID, result in
            let (handler, context) = loopBound.value
            guard handler.streams[id]?.phase == .running, let timing = handler.core.ended(callID: callID) else {
                return
            }
            handler.endStreaming(
                id,
                result.mapError { handler.core.status(of: $0, callID: callID, timing: timing) },
                timing: timing,
                context: context
            )
        }
    }

    /// Writes one message of a streaming call's answer (its HEADERS first); the future completes
    /// once HTTP/2 let the message out to the socket (the peer's window had room for it).
    func send(_ bytes: [UInt8], on id: HTTP2StreamID, eventLoop: any EventLoop) -> EventLoopFuture<Void> {
        guard let context = self.context, var stream = self.streams[id], stream.phase == .running else {
            // The caller went: the call's task is being cancelled.
            return eventLoop.makeFailedFuture(CancellationError())
        }
        if !stream.headersSent {
            stream.headersSent = true
            self.streams[id] = stream
            self.write(.headers(.init(headers: GRPCTrailers.responseHeaders)), on: id, context: context)
        }
        let promise = context.eventLoop.makePromise(of: Void.self)
        self.flushSoon(context: context)
        self.state.sentData()
        let message = Self.message(bytes, allocator: context.channel.allocator)
        let frame = HTTP2Frame(streamID: id, payload: .data(.init(data: .byteBuffer(message))))
        context.write(self.wrapOutboundOut(frame), promise: promise)
        return promise.futureResult
    }

    /// Ends a streaming call: OK trailers, or its failure's (Trailers-Only when nothing was sent).
    func endStreaming(
        _ id: HTTP2StreamID,
        _ result: Result<Void, RPCStatus>,
        timing: CallCore.Timing,
        context: ChannelHandlerContext
    ) {
        let stream = self.streams[id]
        let headersSent = stream?.headersSent ?? false
        stream?.requests?.finish()
        self.streams[id]?.requests = nil
        self.streams[id]?.phase = .done
        let trailers: HPACKHeaders
        let code: StatusCode
        switch result {
        case .success:
            trailers = headersSent ? GRPCTrailers.ok : GRPCTrailers.okTrailersOnly
            code = .ok
        case .failure(let status):
            trailers = GRPCTrailers.failure(status, trailersOnly: !headersSent)
            code = status.code
        }
        self.write(.headers(.init(headers: trailers, endStream: true)), on: id, context: context)
        self.answered(id, context: context)
        self.core.record(timing, callID: UInt64(Int(id)), code: code, now: context.eventLoop.now)
    }
}
