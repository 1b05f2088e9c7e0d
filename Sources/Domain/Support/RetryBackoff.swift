/// How long a loop waits before it tries again after a failure: `initial`, doubled with each
/// failure in a row up to `maximum`; a success starts it over. Loops that retry (the outbox
/// worker, the change feed, the admin re-reads, the view flush) hold one, so that an outage
/// costs a few attempts a minute, not a busy loop. A value: tests drive it without waiting.
public struct RetryBackoff: Sendable, Equatable {
    public let initial: Duration
    public let maximum: Duration
    /// Failures in a row since the last success.
    public private(set) var failures = 0

    public init(initial: Duration, maximum: Duration) {
        precondition(initial > .zero && maximum >= initial, "a backoff waits a positive time, up to its maximum")
        self.initial = initial
        self.maximum = maximum
    }

    /// Counts one more failure and returns the wait before the next attempt.
    public mutating func failed() -> Duration {
        // Past 2^20 doublings every wait is the maximum anyway; the shift stays small.
        let factor = 1 << min(self.failures, 20)
        self.failures += 1
        return min(self.initial * factor, self.maximum)
    }

    /// The attempt succeeded: the next failure waits `initial` again.
    public mutating func succeeded() {
        self.failures = 0
    }
}
