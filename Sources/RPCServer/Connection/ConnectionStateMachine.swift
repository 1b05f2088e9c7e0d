import Codec
import NIOCore

/// The calls of one connection and the rules of PROTOCOL.md sections 4 and 5, kept apart
/// from NIO so that they are tested as plain values. The handler feeds it events and
/// carries out the actions it returns.
struct ConnectionStateMachine<Call> {
    enum Phase {
        case serving
        /// Shutting down: calls in flight finish, then the connection closes with UNAVAILABLE.
        case draining
        /// A connection error: calls in flight finish, then the connection closes with this status.
        case failing(RPCStatus)
        case closed
    }

    /// What the handler does after an incoming call.
    enum ReceiveAction {
        /// Starts the call just received. It is not handed back: the handler still holds it, and
        /// a copy would cost a retain and release of each of its buffers on every call.
        case start
        /// Nothing now: the call waits for a free slot, or the connection takes no more calls.
        case none
        /// Answers this call alone with the status; the connection stays as it is.
        case reject(callID: UInt64, RPCStatus)
        /// Writes the connection error (call_id 0) and closes.
        case close(RPCStatus)
    }

    /// What the handler does after a call ends.
    struct FinishAction {
        /// False when the call was answered already (its deadline passed) or the connection closed.
        var answer = false
        /// A call read while at the bound, to start now that a slot is free.
        var start: Call?
        /// Set when the last call of a draining or failing connection ended.
        var close: RPCStatus?
        /// Set when reading was held at the bound and may resume.
        var resumeReading = false
    }

    static var shuttingDown: RPCStatus { RPCStatus(.unavailable, "server is shutting down") }
    static var idle: RPCStatus { RPCStatus(.unavailable, "connection idle for too long; reconnect") }

    private(set) var phase = Phase.serving
    private var inFlight: Set<UInt64> = []
    private var queued = CircularBuffer<(callID: UInt64, call: Call)>()
    private var readingHeld = false
    let maxInFlight: Int

    init(maxInFlight: Int) {
        precondition(maxInFlight > 0, "maxInFlight must be positive")
        self.maxInFlight = maxInFlight
    }

    /// No call in flight or waiting.
    var isIdle: Bool { self.inFlight.isEmpty && self.queued.isEmpty }

    /// A request arrived. `call` is kept only when it has to wait for a free slot.
    mutating func receive(callID: UInt64, _ call: Call) -> ReceiveAction {
        switch self.phase {
        case .failing, .closed:
            return .none
        case .draining:
            return .reject(callID: callID, Self.shuttingDown)
        case .serving:
            break
        }
        if callID == 0 {
            return self.failConnection(RPCStatus(.invalidArgument, "call_id must be non-zero"))
        }
        if self.inFlight.contains(callID) || self.queued.contains(where: { $0.callID == callID }) {
            return self.failConnection(RPCStatus(.invalidArgument, "call_id \(callID) is already in flight"))
        }
        if self.inFlight.count < self.maxInFlight {
            self.inFlight.insert(callID)
            return .start
        }
        // Read in the same burst as calls that filled the bound: it waits for a free slot.
        self.queued.append((callID, call))
        return .none
    }

    /// A call ended: answered by its handler, or by its deadline.
    mutating func finish(callID: UInt64) -> FinishAction {
        guard self.inFlight.remove(callID) != nil else {
            return FinishAction()
        }
        var action = FinishAction(answer: true)
        if let next = self.queued.popFirst() {
            self.inFlight.insert(next.callID)
            action.start = next.call
        }
        switch self.phase {
        case .draining where self.isIdle:
            self.phase = .closed
            action.close = Self.shuttingDown
        case .failing(let status) where self.isIdle:
            self.phase = .closed
            action.close = status
        case .serving where self.readingHeld && self.canRead:
            self.readingHeld = false
            action.resumeReading = true
        default:
            break
        }
        return action
    }

    /// The channel asks to read more. False holds the read until a call finishes (TCP backpressure).
    mutating func shouldRead() -> Bool {
        guard case .serving = self.phase else {
            return false
        }
        guard self.canRead else {
            self.readingHeld = true
            return false
        }
        return true
    }

    /// The server shuts down: finish what is in flight, then close.
    /// - Returns: the status to close with now, when no call is left.
    mutating func drain() -> RPCStatus? {
        guard case .serving = self.phase else {
            return nil
        }
        self.phase = .draining
        return self.closeIfIdle(Self.shuttingDown)
    }

    /// A connection error (section 5): take no more calls, finish those in flight, then close.
    /// - Returns: the status to close with now, when no call is left.
    mutating func fail(_ status: RPCStatus) -> RPCStatus? {
        switch self.phase {
        case .failing, .closed:
            return nil
        case .serving, .draining:
            self.phase = .failing(status)
            return self.closeIfIdle(status)
        }
    }

    /// The idle timer fired; it closes only a connection with no call at all.
    /// - Returns: the status to close with now.
    mutating func idleTimeout() -> RPCStatus? {
        guard case .serving = self.phase, self.isIdle else {
            return nil
        }
        self.phase = .closed
        return Self.idle
    }

    /// The channel is gone: nothing more is answered.
    mutating func closed() {
        self.phase = .closed
        self.inFlight.removeAll()
        self.queued.removeAll()
    }

    private var canRead: Bool {
        self.inFlight.count + self.queued.count < self.maxInFlight
    }

    private mutating func closeIfIdle(_ status: RPCStatus) -> RPCStatus? {
        guard self.isIdle else {
            return nil
        }
        self.phase = .closed
        return status
    }

    /// `fail`, as the answer to the call that caused it.
    private mutating func failConnection(_ status: RPCStatus) -> ReceiveAction {
        self.fail(status).map(ReceiveAction.close) ?? .none
    }
}
