import Domain
import Synchronization

/// Bounds how long a caller waits for the database.
///
/// The operation runs in a task of its own and the caller is answered at the deadline even
/// if that task is still waiting (a query on a connection whose server vanished only ends
/// when TCP gives up). Structured concurrency cannot do this: a task group waits for every
/// child, and a query on a dead socket does not end when cancelled.
enum Deadline {
    static func run<Value: Sendable>(
        within timeout: Duration,
        onTimeout timeoutError: @autoclosure () -> any Error,
        _ operation: @escaping @Sendable () async throws -> Value
    ) async throws -> Value {
        let race = Race<Value>(timeoutError: timeoutError())
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                race.start(continuation, timeout: timeout, operation: operation)
            }
        } onCancel: {
            race.finish(.failure(CancellationError()))
        }
    }
}

/// The operation against the clock: whichever ends first answers, and cancels the other.
private final class Race<Value: Sendable>: Sendable {
    private struct State {
        var continuation: CheckedContinuation<Value, any Error>?
        var tasks: [Task<Void, Never>] = []
        var finished = false
    }

    private let state = Mutex(State())
    private let timeoutError: any Error

    init(timeoutError: any Error) {
        self.timeoutError = timeoutError
    }

    func start(
        _ continuation: CheckedContinuation<Value, any Error>,
        timeout: Duration,
        operation: @escaping @Sendable () async throws -> Value
    ) {
        let alreadyCancelled = self.state.withLock { state in
            state.continuation = continuation
            return state.finished
        }
        if alreadyCancelled {
            self.finish(.failure(CancellationError()))
            return
        }
        let work = Task {
            do {
                self.finish(.success(try await operation()))
            } catch {
                self.finish(.failure(error))
            }
        }
        let clock = Task {
            guard (try? await Task.sleep(for: timeout)) != nil else { return }
            self.finish(.failure(self.timeoutError))
        }
        let finishedMeanwhile = self.state.withLock { state in
            state.tasks = [work, clock]
            return state.continuation == nil
        }
        if finishedMeanwhile {
            work.cancel()
            clock.cancel()
        }
    }

    func finish(_ result: Result<Value, any Error>) {
        let (continuation, tasks) = self.state.withLock { state in
            state.finished = true
            defer {
                state.continuation = nil
                state.tasks = []
            }
            return (state.continuation, state.tasks)
        }
        guard let continuation else { return }
        for task in tasks {
            task.cancel()
        }
        continuation.resume(with: result)
    }
}
