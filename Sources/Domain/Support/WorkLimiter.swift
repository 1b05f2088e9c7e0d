import Synchronization

/// Bounds work of one kind in flight: at most `maxRunning` at once, at most `maxWaiting`
/// queued behind them (first come, first served), and past that a refusal at once
/// (`resourceExhausted`). Anonymous reads that reach the store go through one, so a flood
/// of them queues or is refused instead of taking every database connection that writes,
/// logins, Health and the view flush need too.
public final class WorkLimiter: Sendable {
    private struct Waiter {
        var id: UInt64
        var continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var running = 0
        var waiting: [Waiter] = []
        var nextID: UInt64 = 0
    }

    public let maxRunning: Int
    public let maxWaiting: Int
    private let refusal: String
    private let state = Mutex(State())

    /// - Parameter refusal: the message of the `resourceExhausted` error past the bound.
    public init(maxRunning: Int, maxWaiting: Int, refusal: String) {
        precondition(maxRunning > 0 && maxWaiting >= 0, "a work limiter runs at least one and queues zero or more")
        self.maxRunning = maxRunning
        self.maxWaiting = maxWaiting
        self.refusal = refusal
    }

    /// Runs `body` when a place is free.
    /// - Throws: `resourceExhausted` at once when the queue is full; `CancellationError` when
    ///   the task is cancelled while it waits.
    public func run<Result: Sendable>(_ body: () async throws -> Result) async throws -> Result {
        try await self.acquire()
        defer { self.release() }
        return try await body()
    }

    private enum Admission {
        case run
        case wait
        case refuse
        case cancelled
    }

    private func acquire() async throws {
        let id = self.state.withLock {
            $0.nextID &+= 1
            return $0.nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let admission = self.state.withLock { state -> Admission in
                    if state.running < self.maxRunning {
                        state.running += 1
                        return .run
                    }
                    guard state.waiting.count < self.maxWaiting else { return .refuse }
                    // Cancelled before it could be queued: the handler found nothing to remove.
                    guard !Task.isCancelled else { return .cancelled }
                    state.waiting.append(Waiter(id: id, continuation: continuation))
                    return .wait
                }
                switch admission {
                case .run: continuation.resume()
                case .wait: break
                case .refuse: continuation.resume(throwing: DomainError(.resourceExhausted, self.refusal))
                case .cancelled: continuation.resume(throwing: CancellationError())
                }
            }
        } onCancel: {
            let cancelled = self.state.withLock { state -> Waiter? in
                guard let index = state.waiting.firstIndex(where: { $0.id == id }) else { return nil }
                return state.waiting.remove(at: index)
            }
            cancelled?.continuation.resume(throwing: CancellationError())
        }
    }

    /// Hands the place to the first waiter, or frees it.
    private func release() {
        let next = self.state.withLock { state -> Waiter? in
            guard !state.waiting.isEmpty else {
                state.running -= 1
                return nil
            }
            return state.waiting.removeFirst()
        }
        next?.continuation.resume()
    }

    /// Work running and waiting now, for tests.
    public var load: (running: Int, waiting: Int) {
        self.state.withLock { ($0.running, $0.waiting.count) }
    }
}
