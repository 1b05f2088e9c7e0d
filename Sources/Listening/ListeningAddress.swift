import Synchronization

/// Where a listener is bound, told once it is: whoever asks first waits for the bind (or for
/// the listener to end without one), and every later question gets the same answer at once.
/// The framing, gRPC and metrics listeners each keep one, for the daemon's ready line.
public final class ListeningAddress<Address: Sendable>: Sendable {
    private enum State {
        case waiting([UInt64: CheckedContinuation<Address?, Never>], nextID: UInt64)
        case settled(Address?)
    }

    private let state = Mutex(State.waiting([:], nextID: 0))

    public init() {}

    /// The listener is bound to `address`.
    public func bound(_ address: Address) {
        self.settle(address)
    }

    /// The listener ended; if it never bound, those who ask get `nil`.
    public func ended() {
        self.settle(nil)
    }

    /// The address once bound; `nil` if the listener ended without binding, or if the asking
    /// task is cancelled first (the daemon stopped before every listener bound).
    public func value() async -> Address? {
        let id = self.state.withLock { state -> UInt64? in
            guard case .waiting(let waiters, let nextID) = state else { return nil }
            state = .waiting(waiters, nextID: nextID + 1)
            return nextID
        }
        guard let id else { return self.settledValue }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let settled: Address?? = self.state.withLock { state in
                    switch state {
                    case .waiting(var waiters, let nextID):
                        if Task.isCancelled { return .some(nil) }
                        waiters[id] = continuation
                        state = .waiting(waiters, nextID: nextID)
                        return .none
                    case .settled(let address):
                        return .some(address)
                    }
                }
                if case .some(let address) = settled {
                    continuation.resume(returning: address)
                }
            }
        } onCancel: {
            let waiter = self.state.withLock { state -> CheckedContinuation<Address?, Never>? in
                guard case .waiting(var waiters, let nextID) = state else { return nil }
                let waiter = waiters.removeValue(forKey: id)
                state = .waiting(waiters, nextID: nextID)
                return waiter
            }
            waiter?.resume(returning: nil)
        }
    }

    private var settledValue: Address? {
        self.state.withLock { state in
            if case .settled(let address) = state { return address }
            return nil
        }
    }

    /// The first settlement wins: a listener that bound and then ended keeps its address.
    private func settle(_ address: Address?) {
        let waiters = self.state.withLock { state -> [CheckedContinuation<Address?, Never>] in
            guard case .waiting(let waiters, _) = state else { return [] }
            state = .settled(address)
            return Array(waiters.values)
        }
        for waiter in waiters {
            waiter.resume(returning: address)
        }
    }
}
