import GRPCCore
import NIOCore
import Telemetry

/// Counts every gRPC call, as the framing's connections count theirs: started, then ended
/// with its status code and latency (the time to its last message and trailers, for a stream).
/// Only methods the server serves reach an interceptor, so a caller cannot add series.
struct GRPCCallMetricsInterceptor: ServerInterceptor {
    let calls: CallMetrics

    func intercept<Input: Sendable, Output: Sendable>(
        request: StreamingServerRequest<Input>,
        context: ServerContext,
        next: @Sendable (StreamingServerRequest<Input>, ServerContext) async throws -> StreamingServerResponse<Output>
    ) async throws -> StreamingServerResponse<Output> {
        let index = self.calls.index(of: context.descriptor.fullyQualifiedMethod)
        // The framing's clock: both transports' latencies are measured alike.
        let startedAt = NIODeadline.now()
        self.calls.started(index)
        let calls = self.calls
        @Sendable func ended(_ error: (any Error)?) {
            let elapsed = NIODeadline.now() - startedAt
            calls.handled(index, code: Self.code(of: error), nanoseconds: Int(elapsed.nanoseconds))
        }
        var response: StreamingServerResponse<Output>
        do {
            response = try await next(request, context)
        } catch {
            ended(error)
            throw error
        }
        switch response.accepted {
        case .success(var contents):
            let producer = contents.producer
            contents.producer = { writer in
                do {
                    let trailers = try await producer(writer)
                    ended(nil)
                    return trailers
                } catch {
                    ended(error)
                    throw error
                }
            }
            response.accepted = .success(contents)
        case .failure(let error):
            ended(error)
        }
        return response
    }

    /// The code grpc-swift answers `error` with: an `RPCError`'s own, CANCELLED for a call the
    /// client went away from, UNKNOWN for anything else.
    private static func code(of error: (any Error)?) -> Int {
        switch error {
        case nil: 0
        case let error as RPCError: error.code.rawValue
        case is CancellationError: 1
        default: 2
        }
    }
}
