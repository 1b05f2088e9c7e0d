import Codec
import Domain
import Logging
import NIOCore
import Telemetry

/// What a call is, once its wire format is read: the part of serving it that both doors share.
/// One per connection, on its event loop; the framing's `ConnectionHandler` and gRPC's
/// `GRPCConnectionHandler` feed it calls by an id of their wire's choosing (the framing's
/// `call_id`, HTTP/2's stream id) and write what it hands back in their own format.
///
/// It starts each call with the `CallDispatcher` (method, access, authentication memo, the
/// handler's synchronous part: GetProduct's cached answer is handed back with no task and no
/// allocation), runs what needs I/O as a task under its deadline, cancels a call whose
/// caller went, counts every call in the metrics and logs its end.
final class CallCore {
    /// When and how a call started: what its metrics and its log line need at its end.
    struct Timing {
        var metricsIndex: Int
        /// Read only when metrics or call logging are on.
        var startedAt: NIODeadline
        /// The caller's W3C `traceparent`, if any, when calls are logged: its trace id goes into
        /// the call's log line.
        var traceparent: String?
    }

    private struct RunningCall {
        var task: Task<Void, Never>
        /// `nil` for a streaming call with no deadline of its own.
        var deadline: Scheduled<Void>?
        var timing: Timing
    }

    private var dispatcher: CallDispatcher
    private let defaultCallTimeout: TimeAmount
    let logger: Logger
    /// `nil` when metrics are off: then no call reads the clock for them.
    private let calls: CallMetrics?
    /// Each call's end is logged at `debug`: read once, as the level does not change.
    let logsCalls: Bool
    private var running: [UInt64: RunningCall] = [:]

    init(
        registry: MethodRegistry,
        authenticator: any Authenticator,
        configuration: ServerConfiguration,
        clientAddress: String?,
        calls: CallMetrics?,
        logger: Logger
    ) {
        self.dispatcher = CallDispatcher(
            registry: registry,
            authenticator: authenticator,
            clientAddress: clientAddress,
            connectionReads: WorkLimiter(
                maxRunning: configuration.maxStoreReadsPerConnection,
                maxWaiting: configuration.maxStoreReadsWaitingPerConnection,
                refusal: "too many reads of the database in flight on this connection; wait for their answers"
            ),
            logger: logger
        )
        self.defaultCallTimeout = TimeAmount(configuration.defaultCallTimeout)
        self.calls = calls
        self.logsCalls = logger.logLevel <= .debug
        self.logger = logger
    }

    /// Whether a call's end is measured: the clock is read for nothing else.
    private var isMeasured: Bool { self.calls != nil || self.logsCalls }

    /// No call runs as a task.
    var hasNoRunningCalls: Bool { self.running.isEmpty }

    // MARK: Starting

    /// Whether `method` names a streaming method: its call opens at its HEADERS.
    func isStreaming(_ method: ByteBuffer) -> Bool {
        self.dispatcher.isStreaming(method)
    }

    /// Starts a call with the dispatcher, and counts it.
    func start(_ request: RequestEnvelope, now: @autoclosure () -> NIODeadline) -> (Timing, CallDispatcher.Started) {
        // The clock is read only for the metrics and the call's log line: no decision is made by it.
        let startedAt = self.isMeasured ? now() : NIODeadline.uptimeNanoseconds(0)
        let (index, started) = self.dispatcher.start(request)
        self.calls?.started(index)
        return (Timing(metricsIndex: index, startedAt: startedAt, traceparent: self.traceparent(of: request)), started)
    }

    /// Starts a streaming call: its handler, once the caller may call it, for a task.
    func startStreaming(
        _ request: RequestEnvelope,
        now: NIODeadline
    ) -> (Timing, Result<CallDispatcher.StreamingStart, any Error>) {
        let (index, started) = self.dispatcher.startStreaming(request)
        self.calls?.started(index)
        return (Timing(metricsIndex: index, startedAt: now, traceparent: self.traceparent(of: request)), started)
    }

    /// Counts and logs a call refused before it started (too many in flight, draining).
    func refused(_ request: RequestEnvelope, callID: UInt64, code: StatusCode, now: NIODeadline) {
        guard self.isMeasured else { return }
        let index = self.dispatcher.metricsIndex(of: request)
        self.calls?.started(index)
        let timing = Timing(metricsIndex: index, startedAt: now, traceparent: self.traceparent(of: request))
        self.record(timing, callID: callID, code: code, now: now)
    }

    /// Made into a `String` only for a call that will be logged.
    private func traceparent(of request: RequestEnvelope) -> String? {
        self.logsCalls ? request.traceparent : nil
    }

    // MARK: Running

    /// Runs `work` as a task under the call's deadline (`timeout`, or the default), and hands
    /// its result to `finished` on the event loop; at the deadline, the task is cancelled and
    /// `finished` gets DEADLINE_EXCEEDED. A late second result is the wire handler's to drop.
    func run(
        _ work: @escaping @Sendable () async throws -> ResponseBody,
        callID: UInt64,
        timeout: TimeAmount?,
        timing: Timing,
        eventLoop: any EventLoop,
        finished: @escaping (UInt64, consuming Result<ResponseBody, any Error>) -> Void
    ) {
        let loopBound = NIOLoopBound(finished, eventLoop: eventLoop)
        // The task runs the handler's I/O off the event loop; its result is handed back to the
        // loop, where all of the connection's state lives.
        let task = Task {
            let result: Result<ResponseBody, any Error>
            do {
                result = .success(try await work())
            } catch {
                result = .failure(error)
            }
            eventLoop.execute {
                loopBound.value(callID, result)
            }
        }
        let deadline = eventLoop.scheduleTask(in: timeout ?? self.defaultCallTimeout) {
            task.cancel()
            loopBound.value(
                callID,
                .failure(RPCStatus(.deadlineExceeded, "the call did not finish within its deadline"))
            )
        }
        self.running[callID] = RunningCall(task: task, deadline: deadline, timing: timing)
    }

    /// Runs a streaming call's `body` as a task, with a deadline only when the caller set one;
    /// `ended` gets its outcome on the event loop (as `finished` does in `run`).
    func runStreaming(
        _ body: @escaping @Sendable () async throws -> Void,
        callID: UInt64,
        timeout: TimeAmount?,
        timing: Timing,
        eventLoop: any EventLoop,
        ended: @escaping (UInt64, Result<Void, any Error>) -> Void
    ) {
        let loopBound = NIOLoopBound(ended, eventLoop: eventLoop)
        let task = Task {
            let result: Result<Void, any Error>
            do {
                try await body()
                result = .success(())
            } catch {
                result = .failure(error)
            }
            eventLoop.execute {
                loopBound.value(callID, result)
            }
        }
        let deadline = timeout.map { timeout in
            eventLoop.scheduleTask(in: timeout) {
                task.cancel()
                loopBound.value(
                    callID,
                    .failure(RPCStatus(.deadlineExceeded, "the call did not finish within its deadline"))
                )
            }
        }
        self.running[callID] = RunningCall(task: task, deadline: deadline, timing: timing)
    }

    /// The call ended (answered or refused): its deadline is cancelled.
    /// - Returns: its timing, when it ran as a task.
    func ended(callID: UInt64) -> Timing? {
        // Most answers are given as their calls start, with no task: an empty table is not hashed.
        guard !self.running.isEmpty, let call = self.running.removeValue(forKey: callID) else { return nil }
        call.deadline?.cancel()
        return call.timing
    }

    /// The caller went (its stream reset, its connection closed): the call's task is cancelled,
    /// and the call counted and logged as CANCELLED.
    func cancel(callID: UInt64, now: NIODeadline) {
        guard let call = self.running.removeValue(forKey: callID) else { return }
        call.deadline?.cancel()
        call.task.cancel()
        self.record(call.timing, callID: callID, code: .cancelled, now: now)
    }

    /// The connection is gone: every running call is cancelled and counted as CANCELLED.
    func cancelAll(now: NIODeadline) {
        for (_, call) in self.running {
            call.deadline?.cancel()
            call.task.cancel()
            self.record(call.timing, callID: nil, code: .cancelled, now: now)
        }
        self.running.removeAll()
    }

    /// Cancels a running call's task and deadline without counting it: the wire answers it.
    /// - Returns: its timing.
    func abandon(callID: UInt64) -> Timing? {
        guard let call = self.running.removeValue(forKey: callID) else { return nil }
        call.deadline?.cancel()
        call.task.cancel()
        return call.timing
    }

    // MARK: Ending

    /// The wire status of a call's failure; a fault is logged with its cause first.
    func status(of error: any Error, callID: UInt64, timing: Timing?) -> RPCStatus {
        RPCStatus.from(error, logger: self.callLogger(callID: callID, timing))
    }

    /// Counts a call's end when metrics are on, and logs it at `debug`.
    /// - Parameter callID: `nil` when the connection closed under the call.
    func record(_ timing: Timing, callID: UInt64?, code: StatusCode, now: @autoclosure () -> NIODeadline) {
        guard self.isMeasured else { return }
        let elapsed = now() - timing.startedAt
        self.calls?.handled(timing.metricsIndex, code: code.rawValue, nanoseconds: Int(elapsed.nanoseconds))
        if self.logsCalls {
            self.callLogger(callID: callID, timing).debug(
                "call answered",
                metadata: ["code": "\(code.name)", "duration_ms": "\(Double(elapsed.nanoseconds) / 1e6)"]
            )
        }
    }

    /// The connection's logger (with the `peer`) and the call's `call_id`, `method` and, when the
    /// caller sent a valid `traceparent`, its `trace_id`: made only for a line that is logged.
    func callLogger(callID: UInt64?, _ timing: Timing?) -> Logger {
        var logger = self.logger
        if let callID {
            logger[metadataKey: "call_id"] = "\(callID)"
        }
        if let timing {
            logger[metadataKey: "method"] = "\(self.dispatcher.methodName(at: timing.metricsIndex))"
            if let trace = timing.traceparent.flatMap(TraceParent.init) {
                logger[metadataKey: "trace_id"] = "\(trace.traceID)"
            }
        }
        return logger
    }
}

@available(*, unavailable)
extension CallCore: Sendable {}
