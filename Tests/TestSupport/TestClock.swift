public import Foundation
import Synchronization

/// A clock tests move by hand, for token expiry.
public final class TestClock: Sendable {
    private let current: Mutex<Date>

    public init(_ start: Date = Date()) {
        self.current = Mutex(start)
    }

    public var now: Date { self.current.withLock { $0 } }

    public func advance(by interval: TimeInterval) {
        self.current.withLock { $0 = $0.addingTimeInterval(interval) }
    }
}
