import Synchronization

/// Where a listener is bound, told once it is: whoever asks first waits for the bind (or for
/// the listener to end without one), and every later question gets the same answer at once.
/// The framing, gRPC and metrics listeners each keep one, for the daemon's ready line.
public final class ListeningAddress<Address: Sendable>: Sendable {
    private enum State {
        case waiting([CheckedContinuation<Address?, Never>])
        case settled(Address?)
    }

    private let state = Mutex(State.waiting([]))

    public init() {}

    /// The listener is bound to `address`.
    public func bound(_ address: Address) {
        self.settle(address)
    }

    /// The listener ended; if it never bound, those who ask get `nil`.
    public func ended() {
        self.settle(nil)
    }

    /// The address once bound; `nil` if the listener ended without binding.
    public func value() async -> Address? {
        await withCheckedContinuation { continuation in
            let settled: Address?? = self.state.withLock { state in
                switch state {
                case .waiting(var waiters):
                    waiters.append(continuation)
                    state = .waiting(waiters)
                    return .none
                case .settled(let address):
                    return .some(address)
                }
            }
            if case .some(let address) = settled {
                continuation.resume(returning: address)
            }
        }
    }

    /// The first settlement wins: a listener that bound and then ended keeps its address.
    private func settle(_ address: Address?) {
        let waiters = self.state.withLock { state -> [CheckedContinuation<Address?, Never>] in
            guard case .waiting(let waiters) = state else { return [] }
            state = .settled(address)
            return waiters
        }
        for waiter in waiters {
            waiter.resume(returning: address)
        }
    }
}
