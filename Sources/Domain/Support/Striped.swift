import Synchronization

/// A value split into independently locked stripes, so that threads touching different
/// keys rarely wait for one another and no single lock serialises the hot path.
final class Striped<Value: Sendable>: Sendable {
    private final class Stripe: Sendable {
        let mutex: Mutex<Value>
        init(_ value: Value) { self.mutex = Mutex(value) }
    }

    private let stripes: [Stripe]
    private let mask: Int

    /// - Parameter count: the number of stripes, rounded up to a power of two.
    public init(count: Int, makeValue: () -> Value) {
        var size = 1
        while size < count { size <<= 1 }
        self.stripes = (0..<size).map { _ in Stripe(makeValue()) }
        self.mask = size - 1
    }

    /// Runs `body` on the stripe that holds `key`.
    @inline(__always)
    func withStripe<Key: Hashable, Result: Sendable, Failure: Error>(
        for key: Key,
        _ body: (inout Value) throws(Failure) -> Result
    ) throws(Failure) -> Result {
        try self.stripes[key.hashValue & self.mask].mutex.withLock { (value: inout sending Value) throws(Failure) in
            try body(&value)
        }
    }

    /// Runs `body` on every stripe in turn, each under its own lock.
    func forEachStripe(_ body: (inout Value) -> Void) {
        for stripe in self.stripes {
            stripe.mutex.withLock { (value: inout sending Value) in body(&value) }
        }
    }
}
