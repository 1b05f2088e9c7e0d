import NIOCore

/// The deadlines of one metrics connection, as a value on a given clock: each request must
/// arrive whole within `requestTimeout` of the connection being ready for it (accepted, or its
/// previous answer written), and a connection older than `maxAge` is closed once its answer in
/// progress is written. A client that trickles a byte at a time, or keeps a connection for ever,
/// holds a slot for a bounded time.
struct MetricsConnectionClock {
    enum State: Equatable {
        /// Waiting for a whole request since this instant.
        case awaitingRequest(since: NIODeadline)
        /// A request arrived; its answer is being made.
        case answering
        case closed
    }

    let requestTimeout: TimeAmount
    let closesAt: NIODeadline
    private(set) var state: State

    init(opened: NIODeadline, requestTimeout: TimeAmount, maxAge: TimeAmount) {
        self.requestTimeout = requestTimeout
        self.closesAt = opened + maxAge
        self.state = .awaitingRequest(since: opened)
    }

    /// When the connection must be closed if nothing happens first; `nil` while it answers.
    var deadline: NIODeadline? {
        guard case .awaitingRequest(let since) = self.state else { return nil }
        return min(since + self.requestTimeout, self.closesAt)
    }

    /// A whole request (its `.end`) arrived.
    mutating func requestEnded() {
        if case .awaitingRequest = self.state {
            self.state = .answering
        }
    }

    /// An answer's `.end` was written at `now`: whether to close the connection after it.
    mutating func answerEnded(now: NIODeadline) -> Bool {
        guard self.state != .closed else { return true }
        if now >= self.closesAt {
            self.state = .closed
            return true
        }
        self.state = .awaitingRequest(since: now)
        return false
    }

    /// The timer fired at `now`: whether to close the connection.
    mutating func timerFired(now: NIODeadline) -> Bool {
        guard let deadline = self.deadline, now >= deadline else { return false }
        self.state = .closed
        return true
    }
}
