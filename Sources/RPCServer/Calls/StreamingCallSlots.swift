import Synchronization

/// The daemon's bound on streaming calls open at once (Health.Watch, reflection, and any
/// streaming method to come), across every connection: each holds a task and its buffers for
/// as long as its caller keeps it open.
public final class StreamingCallSlots: Sendable {
    public let limit: Int
    private let open = Atomic<Int>(0)

    public init(limit: Int) {
        self.limit = limit
    }

    /// Takes a slot; `false` when all are taken.
    func acquire() -> Bool {
        while true {
            let current = self.open.load(ordering: .relaxed)
            guard current < self.limit else { return false }
            if self.open.compareExchange(expected: current, desired: current + 1, ordering: .relaxed).exchanged {
                return true
            }
        }
    }

    func release() {
        self.open.subtract(1, ordering: .relaxed)
    }

    /// Streaming calls open now.
    public var count: Int { self.open.load(ordering: .relaxed) }
}
