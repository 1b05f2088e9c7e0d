import Synchronization

/// Thrown when an awaited event does not happen in time.
public struct TimedOut: Error, CustomStringConvertible {
    public var what: String
    public var description: String { "timed out waiting for \(self.what)" }

    public init(what: String) {
        self.what = what
    }
}

/// Runs `body`, failing with `TimedOut` if it takes longer than `limit`. Every wait in
/// these tests is bounded this way; `body` must end when cancelled.
public func withTimeout<Result: Sendable>(
    _ limit: Duration = .seconds(10),
    _ what: String,
    _ body: @escaping @Sendable () async throws -> Result
) async throws -> Result {
    try await withThrowingTaskGroup(of: Result.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: limit)
            throw TimedOut(what: what)
        }
        defer { group.cancelAll() }
        return try await group.next()!
    }
}

/// Suspends callers until a condition on some state holds; cancellation ends a wait.
public final class Condition<State: Sendable>: Sendable {
    private struct Waiter {
        var id: Int
        var isSatisfied: @Sendable (State) -> Bool
        var continuation: CheckedContinuation<Void, Never>
    }

    private let storage: Mutex<(state: State, waiters: [Waiter], nextID: Int)>

    public init(_ initial: State) {
        self.storage = Mutex((initial, [], 0))
    }

    public var value: State { self.storage.withLock { $0.state } }

    public func update(_ change: (inout State) -> Void) {
        let ready = self.storage.withLock { storage in
            change(&storage.state)
            let state = storage.state
            let ready = storage.waiters.filter { $0.isSatisfied(state) }
            storage.waiters.removeAll { $0.isSatisfied(state) }
            return ready.map(\.continuation)
        }
        for continuation in ready { continuation.resume() }
    }

    /// Returns when `isSatisfied` holds, or at once when the task is cancelled.
    public func wait(until isSatisfied: @escaping @Sendable (State) -> Bool) async {
        let id = self.storage.withLock { storage in
            storage.nextID += 1
            return storage.nextID
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let resumeNow = self.storage.withLock { storage in
                    if isSatisfied(storage.state) || Task.isCancelled { return true }
                    storage.waiters.append(Waiter(id: id, isSatisfied: isSatisfied, continuation: continuation))
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let cancelled = self.storage.withLock { storage in
                let index = storage.waiters.firstIndex { $0.id == id }
                return index.map { storage.waiters.remove(at: $0).continuation }
            }
            cancelled?.resume()
        }
    }
}

/// A gate that calls wait at until the test opens it.
public final class Gate: Sendable {
    private let isOpen = Condition(false)

    public init() {}

    public func wait() async { await self.isOpen.wait { $0 } }

    public func open() { self.isOpen.update { $0 = true } }
}

/// Counts events and lets a test await a count, bounded.
public final class EventCounter: Sendable {
    private let counter = Condition(0)

    public init() {}

    public var count: Int { self.counter.value }

    public func increment() { self.counter.update { $0 += 1 } }

    public func wait(forAtLeast target: Int, limit: Duration = .seconds(10)) async throws {
        try await withTimeout(limit, "\(target) events") {
            await self.counter.wait { $0 >= target }
            try Task.checkCancellation()
        }
    }
}

/// Re-checks `condition` every few milliseconds until it holds, for state that changes
/// without an event to await (a row another process or thread updates); bounded by `limit`.
public func eventually(
    _ what: String,
    limit: Duration = .seconds(10),
    _ condition: @escaping @Sendable () async throws -> Bool
) async throws {
    try await withTimeout(limit, what) {
        while try await !condition() {
            try await Task.sleep(for: .milliseconds(20))
        }
    }
}
