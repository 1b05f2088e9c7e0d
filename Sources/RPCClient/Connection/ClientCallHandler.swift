import Codec
import NIOCore
import SwiftProtobuf

/// A request on its way out, with the promise its response completes.
struct OutgoingCall {
    var request: Catalog_V1_Request
    var promise: EventLoopPromise<Catalog_V1_Response>
    /// When the client stops waiting, whatever the server does.
    var timeout: TimeAmount
}

/// Asks `ClientCallHandler` to stop waiting for a call whose task was cancelled.
struct CancelCall {
    var callID: UInt64
}

extension RPCStatus {
    static var cancelled: RPCStatus { RPCStatus(.cancelled, "the call was cancelled") }
}

/// Matches responses to calls by `call_id`, so many calls share one connection and are
/// answered in any order. A connection error (call_id 0) or a closed connection fails
/// every call still waiting.
final class ClientCallHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = OutgoingCall
    typealias OutboundOut = ByteBuffer

    private struct Waiting {
        var promise: EventLoopPromise<Catalog_V1_Response>
        var deadline: Scheduled<Void>
    }

    private var waiting: [UInt64: Waiting] = [:]
    /// Set once the connection failed; later calls fail with it at once.
    private var failure: RPCStatus?

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let call = self.unwrapOutboundIn(data)
        if let failure = self.failure {
            call.promise.fail(failure)
            promise?.succeed()
            return
        }
        var buffer = context.channel.allocator.buffer(capacity: 64 + call.request.payload.count)
        do {
            try buffer.writeFrame(call.request)
        } catch {
            call.promise.fail(RPCStatus(.invalidArgument, "the request does not serialize"))
            promise?.succeed()
            return
        }
        let callID = call.request.callID
        let loopBound = NIOLoopBound(self, eventLoop: context.eventLoop)
        let deadline = context.eventLoop.scheduleTask(in: call.timeout) {
            let expired = loopBound.value.waiting.removeValue(forKey: callID)
            expired?.promise.fail(RPCStatus(.deadlineExceeded, "no response within the call's deadline"))
        }
        self.waiting[callID] = Waiting(promise: call.promise, deadline: deadline)
        context.write(self.wrapOutboundOut(buffer), promise: promise)
    }

    func triggerUserOutboundEvent(context: ChannelHandlerContext, event: Any, promise: EventLoopPromise<Void>?) {
        guard let cancel = event as? CancelCall else {
            context.triggerUserOutboundEvent(event, promise: promise)
            return
        }
        if let waiting = self.waiting.removeValue(forKey: cancel.callID) {
            waiting.deadline.cancel()
            waiting.promise.fail(RPCStatus.cancelled)
        }
        promise?.succeed()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = self.unwrapInboundIn(data)
        guard let response = try? Catalog_V1_Response(serializedBytes: frame.readableBytesSpan) else {
            self.failAll(RPCStatus(.internal, "the server sent a frame that is not a Response"))
            context.close(promise: nil)
            return
        }
        if response.callID == 0 {
            self.failAll(RPCStatus(response.status) ?? RPCStatus(.unavailable, "the server closed the connection"))
            return
        }
        if let waiting = self.waiting.removeValue(forKey: response.callID) {
            waiting.deadline.cancel()
            waiting.promise.succeed(response)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.failAll(RPCStatus(.unavailable, "the connection to the server closed"))
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let error = error as? FrameTooLargeError {
            self.failAll(RPCStatus(.resourceExhausted, "the server sent a \(error.description)"))
        } else {
            self.failAll(RPCStatus(.unavailable, "connection failed: \(error)"))
        }
        context.close(promise: nil)
    }

    private func failAll(_ status: RPCStatus) {
        if self.failure == nil {
            self.failure = status
        }
        let waiting = self.waiting
        self.waiting.removeAll()
        for call in waiting.values {
            call.deadline.cancel()
            call.promise.fail(self.failure ?? status)
        }
    }
}

@available(*, unavailable)
extension ClientCallHandler: Sendable {}
