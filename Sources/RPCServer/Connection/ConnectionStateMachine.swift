import Codec
import NIOCore

/// The calls of one connection and every rule of PROTOCOL.md sections 4, 5 and 10 that
/// decides its life: the in-flight bound, duplicate call ids, reading held back while answers
/// wait unread, and the idle, frame, write and drain timeouts. It is a plain value that takes
/// the time from its caller (the event loop's clock, virtual in tests), so tests drive it
/// without NIO or a wall clock. The handler feeds it events and carries out what it returns.
struct ConnectionStateMachine<Call> {
    /// The limits it enforces, from `ServerConfiguration`.
    struct Limits {
        var maxInFlight: Int
        var idleTimeout: TimeAmount
        var frameTimeout: TimeAmount
        var writeTimeout: TimeAmount
        var drainTimeout: TimeAmount
    }

    enum Phase {
        case serving
        /// Shutting down: calls in flight finish (until the drain deadline), then the
        /// connection closes with UNAVAILABLE.
        case draining
        /// A connection error: calls in flight finish, then the connection closes with this status.
        case failing(RPCStatus)
        /// Closing with a frame (call_id 0): the socket closes when the frame is flushed, or at
        /// the deadline (set once the frame is written) if the peer does not read it.
        case closing(deadline: NIODeadline?)
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
        /// Set when reading was held and may resume.
        var resumeReading = false
    }

    /// What the handler does when the timer it set for `nextDeadline` fires.
    enum TimerAction {
        case none
        /// Writes the connection error (call_id 0) and closes.
        case close(RPCStatus)
        /// The drain grace is over: answers each of these calls with the status, cancelling
        /// those running, then writes the status as the connection error and closes.
        case abandon(callIDs: [UInt64], RPCStatus)
        /// The peer does not read: closes the socket without waiting for anything to be written.
        case closeNow
    }

    static var shuttingDown: RPCStatus { RPCStatus(.unavailable, "server is shutting down") }
    static var idle: RPCStatus { RPCStatus(.unavailable, "connection idle for too long; reconnect") }

    let limits: Limits
    private(set) var phase = Phase.serving
    private var inFlight: Set<UInt64> = []
    private var queued = CircularBuffer<(callID: UInt64, call: Call)>()
    /// The ids of `queued`, so that a duplicate is found without scanning the queue.
    private var queuedIDs: Set<UInt64> = []
    private var readingHeld = false
    private var isWritable = true
    /// When a call last arrived or was answered: the idle timeout counts from it.
    private var lastActivity: NIODeadline
    /// When the bytes of a frame still incomplete began to arrive.
    private var partialFrameSince: NIODeadline?
    /// When the channel stopped taking writes (answers over the high water mark, unread).
    private var unwritableSince: NIODeadline?
    private var drainDeadline: NIODeadline?

    init(limits: Limits, now: NIODeadline) {
        precondition(limits.maxInFlight > 0, "maxInFlight must be positive")
        self.limits = limits
        self.lastActivity = now
    }

    /// No call in flight or waiting.
    var isIdle: Bool { self.inFlight.isEmpty && self.queued.isEmpty }

    // MARK: Calls

    /// A request arrived. `call` is kept only when it has to wait for a free slot.
    mutating func receive(callID: UInt64, _ call: Call) -> ReceiveAction {
        switch self.phase {
        case .failing, .closing, .closed:
            return .none
        case .draining:
            return .reject(callID: callID, Self.shuttingDown)
        case .serving:
            break
        }
        if callID == 0 {
            return self.failConnection(RPCStatus(.invalidArgument, "call_id must be non-zero"))
        }
        if self.inFlight.contains(callID) || self.queuedIDs.contains(callID) {
            return self.failConnection(RPCStatus(.invalidArgument, "call_id \(callID) is already in flight"))
        }
        if self.inFlight.count < self.limits.maxInFlight {
            self.inFlight.insert(callID)
            return .start
        }
        // Read in the same burst as calls that filled the bound: it waits for a free slot.
        self.queued.append((callID, call))
        self.queuedIDs.insert(callID)
        return .none
    }

    /// A call ended: answered by its handler, or by its deadline.
    mutating func finish(callID: UInt64) -> FinishAction {
        guard self.inFlight.remove(callID) != nil else {
            return FinishAction()
        }
        var action = FinishAction(answer: true)
        // While answers wait unread, a waiting call is not started: its answer would only add
        // to them. It starts when they drain (`writabilityChanged`).
        if self.isWritable, let next = self.popQueued() {
            action.start = next
        }
        switch self.phase {
        case .draining where self.isIdle:
            action.close = self.startClosing(Self.shuttingDown)
        case .failing(let status) where self.isIdle:
            action.close = self.startClosing(status)
        case .serving:
            action.resumeReading = self.resumeReadingIfHeld()
        default:
            break
        }
        return action
    }

    // MARK: Reading and writing

    /// The channel asks to read more. False holds the read until a call finishes or the
    /// answers waiting to be written drain (TCP backpressure either way).
    mutating func shouldRead() -> Bool {
        guard case .serving = self.phase else {
            return false
        }
        guard self.canRead else {
            self.readingHeld = true
            // The rest of a frame cannot arrive while reading is held: its clock restarts on resuming.
            self.partialFrameSince = nil
            return false
        }
        return true
    }

    /// A read burst ended, or reading resumed with part of a frame already read.
    /// - Parameters:
    ///   - receivedCall: whether a whole frame arrived in it: only that counts as activity, so a
    ///     trickle of bytes cannot keep a connection open.
    ///   - partialFrame: whether the bytes of an incomplete frame are left over.
    mutating func readComplete(receivedCall: Bool, partialFrame: Bool, now: NIODeadline) {
        if receivedCall {
            self.lastActivity = now
            // A frame completed: what is left, if anything, began in this burst.
            self.partialFrameSince = partialFrame ? now : nil
        } else if partialFrame {
            if self.partialFrameSince == nil {
                self.partialFrameSince = now
            }
        } else {
            self.partialFrameSince = nil
        }
    }

    /// A call was answered outside a read burst.
    mutating func answered(now: NIODeadline) {
        self.lastActivity = now
    }

    /// What the handler does when the channel's writability changed.
    struct WritabilityAction {
        /// Calls that waited while answers were unread, to start now.
        var start: [Call] = []
        var resumeReading = false
    }

    /// The channel's writability changed (its unwritten bytes crossed a water mark).
    mutating func writabilityChanged(isWritable: Bool, now: NIODeadline) -> WritabilityAction {
        self.isWritable = isWritable
        guard isWritable else {
            if self.unwritableSince == nil {
                self.unwritableSince = now
            }
            return WritabilityAction()
        }
        self.unwritableSince = nil
        var action = WritabilityAction()
        switch self.phase {
        case .serving, .draining, .failing:
            while self.inFlight.count < self.limits.maxInFlight, let next = self.popQueued() {
                action.start.append(next)
            }
        case .closing, .closed:
            break
        }
        if case .serving = self.phase {
            action.resumeReading = self.resumeReadingIfHeld()
        }
        return action
    }

    // MARK: Ending

    /// The server shuts down: finish what is in flight within the drain timeout, then close.
    /// - Returns: the status to close with now, when no call is left.
    mutating func drain(now: NIODeadline) -> RPCStatus? {
        guard case .serving = self.phase else {
            return nil
        }
        self.phase = .draining
        self.drainDeadline = now + self.limits.drainTimeout
        return self.closeIfIdle(Self.shuttingDown)
    }

    /// A connection error (section 5): take no more calls, finish those in flight, then close.
    /// - Returns: the status to close with now, when no call is left.
    mutating func fail(_ status: RPCStatus) -> RPCStatus? {
        switch self.phase {
        case .failing, .closing, .closed:
            return nil
        case .serving, .draining:
            self.phase = .failing(status)
            return self.closeIfIdle(status)
        }
    }

    /// The handler wrote the closing frame at `now`: the peer has the write timeout to take it.
    mutating func closingFrameWritten(now: NIODeadline) {
        if case .closing(deadline: nil) = self.phase {
            self.phase = .closing(deadline: now + self.limits.writeTimeout)
        }
    }

    /// The channel is gone: nothing more is answered.
    mutating func closed() {
        self.phase = .closed
        self.inFlight.removeAll()
        self.queued.removeAll()
        self.queuedIDs.removeAll()
        self.drainDeadline = nil
        self.unwritableSince = nil
        self.partialFrameSince = nil
    }

    // MARK: Time

    /// When the handler should next call `timerFired`; `nil` when nothing waits on time.
    func nextDeadline(now: NIODeadline) -> NIODeadline? {
        let phaseDeadline: NIODeadline?
        switch self.phase {
        case .serving:
            let idle = self.isIdle ? self.lastActivity + self.limits.idleTimeout : now + self.limits.idleTimeout
            phaseDeadline = NIODeadline.earliest(idle, self.partialFrameSince.map { $0 + self.limits.frameTimeout })
        case .draining:
            phaseDeadline = self.drainDeadline
        case .failing:
            phaseDeadline = nil
        case .closing(let deadline):
            phaseDeadline = deadline
        case .closed:
            return nil
        }
        return NIODeadline.earliest(phaseDeadline, self.unwritableSince.map { $0 + self.limits.writeTimeout })
    }

    /// The timer set for `nextDeadline` fired.
    mutating func timerFired(now: NIODeadline) -> TimerAction {
        if case .closing(let deadline?) = self.phase, deadline <= now {
            self.closed()
            return .closeNow
        }
        if let since = self.unwritableSince, since + self.limits.writeTimeout <= now {
            // Whatever the phase: the peer took nothing for the whole write timeout.
            self.closed()
            return .closeNow
        }
        switch self.phase {
        case .serving:
            if let since = self.partialFrameSince, since + self.limits.frameTimeout <= now {
                let seconds = self.limits.frameTimeout.nanoseconds / 1_000_000_000
                let status = RPCStatus(.resourceExhausted, "a frame took longer than \(seconds) s to arrive")
                return self.fail(status).map(TimerAction.close) ?? .none
            }
            if self.isIdle, self.lastActivity + self.limits.idleTimeout <= now {
                return .close(self.startClosing(Self.idle))
            }
            return .none
        case .draining:
            guard let deadline = self.drainDeadline, deadline <= now else { return .none }
            let callIDs = Array(self.inFlight) + self.queued.map(\.callID)
            self.inFlight.removeAll()
            self.queued.removeAll()
            self.queuedIDs.removeAll()
            return .abandon(callIDs: callIDs, self.startClosing(Self.shuttingDown))
        case .failing, .closing, .closed:
            return .none
        }
    }

    // MARK: Helpers

    private var canRead: Bool {
        self.isWritable && self.inFlight.count + self.queued.count < self.limits.maxInFlight
    }

    /// Moves the first waiting call in flight.
    private mutating func popQueued() -> Call? {
        guard let next = self.queued.popFirst() else { return nil }
        self.queuedIDs.remove(next.callID)
        self.inFlight.insert(next.callID)
        return next.call
    }

    private mutating func resumeReadingIfHeld() -> Bool {
        guard self.readingHeld, self.canRead else { return false }
        self.readingHeld = false
        return true
    }

    private mutating func startClosing(_ status: RPCStatus) -> RPCStatus {
        self.phase = .closing(deadline: nil)
        self.drainDeadline = nil
        self.partialFrameSince = nil
        return status
    }

    private mutating func closeIfIdle(_ status: RPCStatus) -> RPCStatus? {
        guard self.isIdle else {
            return nil
        }
        return self.startClosing(status)
    }

    /// `fail`, as the answer to the call that caused it.
    private mutating func failConnection(_ status: RPCStatus) -> ReceiveAction {
        self.fail(status).map(ReceiveAction.close) ?? .none
    }
}
