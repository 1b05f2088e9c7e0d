import Domain
public import NIOCore
public import SwiftProtobuf

/// A method that takes or gives a stream of messages (Health.Watch, reflection): it runs as a
/// task for as long as its call is open, reading the caller's messages from `requests` and
/// sending its own with `responses`. Returning ends the call with OK, throwing with the error's
/// status; the call's task is cancelled when the caller goes, which ends both sequences.
struct StreamingMethodHandler: Sendable {
    /// Which side streams: go-grpc-prometheus's `grpc_type` label of its calls.
    public enum Shape: String, Sendable {
        case serverStreaming = "server_stream"
        case bidirectional = "bidi_stream"
    }

    public var access: MethodAccess
    public var shape: Shape
    public var run: @Sendable (_ call: StreamingCall) async throws -> Void
    /// Where the call metrics count this method's calls: set by `MethodRegistry.registerStreaming`.
    var metricsIndex = 0

    var callType: String { self.shape.rawValue }

    public init(
        access: MethodAccess,
        shape: Shape,
        run: @escaping @Sendable (_ call: StreamingCall) async throws -> Void
    ) {
        self.access = access
        self.shape = shape
        self.run = run
    }
}

/// One streaming call, as its handler sees it.
struct StreamingCall: Sendable {
    /// The caller's request messages, serialized, in order; it ends when the caller ends its side.
    public let requests: AsyncStream<ByteBuffer>
    public let context: CallContext
    /// Sends one serialized response message; returns once the wire took it, so that a caller
    /// who reads nothing holds its handler rather than the daemon's memory.
    let sendSerialized: @Sendable ([UInt8]) async throws -> Void

    public init(
        requests: AsyncStream<ByteBuffer>,
        context: CallContext,
        sendSerialized: @escaping @Sendable ([UInt8]) async throws -> Void
    ) {
        self.requests = requests
        self.context = context
        self.sendSerialized = sendSerialized
    }

    /// Sends one response message.
    public func send(_ message: some SwiftProtobuf.Message) async throws {
        try await self.sendSerialized(try message.serializedBytes())
    }

    /// The first request message, decoded: what a server-streaming method reads.
    func firstRequest<Request: SwiftProtobuf.Message>(_ type: Request.Type) async throws -> Request {
        for await payload in self.requests {
            return try decodeRequest(Request.self, from: payload)
        }
        throw DomainError(.invalidArgument, "the call sent no \(Request.protoMessageName)")
    }
}
