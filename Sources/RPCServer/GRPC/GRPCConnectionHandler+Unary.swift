import Codec
import NIOCore
import NIOHPACK
import NIOHTTP2

/// Unary calls: started in the `CallCore` when the request ends, answered as HEADERS, DATA and
/// trailers (or Trailers-Only), in the read burst that brought them when the cache answers.
extension GRPCConnectionHandler {
    func startUnary(
        _ request: RequestEnvelope,
        timeout: TimeAmount?,
        on id: HTTP2StreamID,
        context: ChannelHandlerContext
    ) {
        let callID = UInt64(Int(id))
        let (timing, outcome) = self.core.start(request, now: context.eventLoop.now)
        switch consume outcome {
        case .answered(let result):
            self.answer(id, result, timing: timing, context: context)
        case .running(let work):
            let loopBound = NIOLoopBound((handler: self, context: context), eventLoop: context.eventLoop)
            self.core.run(work, callID: callID, timeout: timeout, timing: timing, eventLoop: context.eventLoop) {
                callID,
                result in
                let (handler, context) = loopBound.value
                let id = HTTP2StreamID(Int(callID))
                guard handler.streams[id]?.phase == .running, let timing = handler.core.ended(callID: callID) else {
                    return
                }
                handler.answer(id, result, timing: timing, context: context)
            }
        }
    }

    /// Writes a unary call's answer: HEADERS, the message and OK trailers, or Trailers-Only.
    func answer(
        _ id: HTTP2StreamID,
        _ result: consuming Result<ResponseBody, any Error>,
        timing: CallCore.Timing,
        context: ChannelHandlerContext
    ) {
        let callID = UInt64(Int(id))
        let failure: any Error
        switch consume result {
        case .success(let body):
            do {
                let message = try Self.message(body, allocator: context.channel.allocator)
                self.streams[id]?.phase = .done
                self.write(.headers(.init(headers: GRPCTrailers.responseHeaders)), on: id, context: context)
                self.write(.data(.init(data: .byteBuffer(message))), on: id, context: context)
                self.write(.headers(.init(headers: GRPCTrailers.ok, endStream: true)), on: id, context: context)
                self.answered(id, context: context)
                self.core.record(timing, callID: callID, code: .ok, now: context.eventLoop.now)
                return
            } catch {
                failure = error
            }
        case .failure(let error):
            failure = error
        }
        self.answer(
            id,
            failing: self.core.status(of: failure, callID: callID, timing: timing),
            timing: timing,
            context: context
        )
    }

    /// A unary call's failure: Trailers-Only.
    func answer(
        _ id: HTTP2StreamID,
        failing status: RPCStatus,
        timing: CallCore.Timing,
        context: ChannelHandlerContext
    ) {
        self.streams[id]?.phase = .done
        self.write(
            .headers(.init(headers: GRPCTrailers.failure(status, trailersOnly: true), endStream: true)),
            on: id,
            context: context
        )
        self.answered(id, context: context)
        self.core.record(timing, callID: UInt64(Int(id)), code: status.code, now: context.eventLoop.now)
    }

    /// A message's gRPC framing: the 5-byte prefix, then its bytes.
    static func message(_ body: ResponseBody, allocator: ByteBufferAllocator) throws -> ByteBuffer {
        switch body {
        case .serialized(let bytes):
            return Self.message(bytes, allocator: allocator)
        case .message(let message):
            return Self.message(try message.serializedBytes() as [UInt8], allocator: allocator)
        }
    }

    static func message(_ bytes: [UInt8], allocator: ByteBufferAllocator) -> ByteBuffer {
        var buffer = allocator.buffer(capacity: GRPCMessageReader.prefixLength + bytes.count)
        buffer.writeInteger(UInt8(0))
        buffer.writeInteger(UInt32(bytes.count))
        buffer.writeBytes(bytes)
        return buffer
    }
}
