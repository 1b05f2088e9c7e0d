public import Codec
import Domain
public import NIOCore
public import SwiftProtobuf

/// Who may call a method. Checked in one place (`check`), before any handler runs.
public enum MethodAccess: Sendable {
    case anyone
    case admin

    /// Whether `caller` may call the method; its name is made text only for the refusal.
    func check(_ caller: Caller, methodName: @autoclosure () -> String) throws(RPCStatus) {
        if self == .admin, caller.admin == nil {
            throw RPCStatus(.unauthenticated, "\(methodName()) requires an admin; log in first")
        }
    }
}

/// The result of a handler's synchronous part, which runs on the connection's event loop.
public enum CallOutcome: Sendable {
    /// Answered without I/O: the response message.
    case completed(any SwiftProtobuf.Message)
    /// Answered without I/O with a response message serialized before (GetProduct's cached wire form).
    case completedSerialized([UInt8])
    /// Needs I/O: the work to run as a task; its result is handed back to the event loop.
    case pending(@Sendable () async throws -> any SwiftProtobuf.Message)
}

/// One method: who may call it and how it answers. The synchronous part decodes the
/// payload on the event loop and answers there when it can (GetProduct from the cache,
/// Health); anything that needs I/O returns `.pending`.
public struct MethodHandler: Sendable {
    public var access: MethodAccess
    public var handle: @Sendable (_ payload: ByteBuffer, _ context: CallContext) throws -> CallOutcome
    /// Where the call metrics count this method's calls: set by `MethodRegistry.register`.
    var metricsIndex = 0

    public init(
        access: MethodAccess,
        handle: @escaping @Sendable (_ payload: ByteBuffer, _ context: CallContext) throws -> CallOutcome
    ) {
        self.access = access
        self.handle = handle
    }

    /// A method whose request decodes to `Request` and answers synchronously.
    public static func synchronous<Request: SwiftProtobuf.Message>(
        _ request: Request.Type,
        access: MethodAccess,
        _ body: @escaping @Sendable (Request, CallContext) throws -> CallOutcome
    ) -> MethodHandler {
        MethodHandler(access: access) { payload, context in
            try body(try decodeRequest(Request.self, from: payload), context)
        }
    }

    /// A method whose request is read by hand from the payload's bytes by `read` (GetProduct's,
    /// on the hot path) and answers synchronously. `read` throws `MalformedMessageError` for a
    /// payload that is not a `messageName`.
    public static func synchronous<Request>(
        reading read: @escaping @Sendable (ByteBuffer) throws(MalformedMessageError) -> Request,
        messageName: String,
        access: MethodAccess,
        _ body: @escaping @Sendable (Request, CallContext) throws -> CallOutcome
    ) -> MethodHandler {
        MethodHandler(access: access) { payload, context in
            let request: Request
            do {
                request = try read(payload)
            } catch {
                throw invalidPayload(messageName)
            }
            return try body(request, context)
        }
    }

    /// A method whose request decodes to `Request` and answers from a task.
    public static func asynchronous<Request: SwiftProtobuf.Message>(
        _ request: Request.Type,
        access: MethodAccess,
        _ body: @escaping @Sendable (Request, CallContext) async throws -> any SwiftProtobuf.Message
    ) -> MethodHandler {
        MethodHandler(access: access) { payload, context in
            let request = try decodeRequest(Request.self, from: payload)
            return .pending { try await body(request, context) }
        }
    }
}

/// Decodes a method's request message; a payload that does not parse is the caller's error.
func decodeRequest<Request: SwiftProtobuf.Message>(
    _ type: Request.Type,
    from payload: ByteBuffer
) throws(DomainError) -> Request {
    do {
        return try Request(serializedBytes: payload.readableBytesSpan)
    } catch {
        throw invalidPayload(Request.protoMessageName)
    }
}

private func invalidPayload(_ messageName: String) -> DomainError {
    DomainError(.invalidArgument, "payload is not a valid \(messageName)")
}
