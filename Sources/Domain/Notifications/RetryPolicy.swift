public import Foundation

/// When to try a failed email again: exponential backoff with jitter, up to a limit.
public struct RetryPolicy: Sendable {
    public var initialDelay: TimeInterval = 5
    public var maxDelay: TimeInterval = 15 * 60
    public var maxAttempts = 10
    /// Each delay is spread by up to this fraction either way, so retries of many
    /// notifications do not arrive at the mail server together.
    public var jitter = 0.2

    public init() {}

    /// The time of the next attempt after `attempts` failed ones, or `nil` to give up.
    public func nextAttempt(after attempts: Int, now: Date) -> Date? {
        guard attempts < self.maxAttempts else { return nil }
        let exponent = Double(max(attempts - 1, 0))
        let delay = min(self.maxDelay, self.initialDelay * pow(2, exponent))
        let spread = delay * self.jitter
        return now.addingTimeInterval(delay + Double.random(in: -spread...spread))
    }
}
