public import Foundation

/// How many failed logins are allowed, and for how long, per kind of key (PROTOCOL.md,
/// "Login throttling"). Following OWASP's authentication cheat sheet, a guesser is stopped
/// by the tight limits on its own address and on (username, address) pairs, while the limit
/// on the username alone only slows a guesser with many addresses: its window is short, so
/// strangers cannot keep an account (the well-known superuser `admin`, say) locked for long,
/// and an address the admin logged in from before is not held by it at all.
public struct LoginThrottleRules: Sendable, Hashable {
    /// At most `failures` within any `window`.
    public struct Limit: Sendable, Hashable {
        public var failures: Int
        public var window: TimeInterval

        public init(failures: Int, window: TimeInterval) {
            precondition(failures > 0 && window > 0, "a login limit allows at least one failure in a positive window")
            self.failures = failures
            self.window = window
        }
    }

    /// One username tried from one address (IPv6 clients by their /64).
    public var usernameFromAddress = Limit(failures: 10, window: 5 * 60)
    /// One address, whatever the usernames.
    public var address = Limit(failures: 10, window: 5 * 60)
    /// One username from anywhere: loose, never a wait longer than its window.
    public var username = Limit(failures: 10, window: 60)
    /// Keys remembered at once. Past it, expired keys are swept; if none has expired, new
    /// keys are refused (RESOURCE_EXHAUSTED) rather than grow memory without bound.
    public var maxTrackedKeys = 100_000
    /// How long an address an admin logged in from is remembered: from it, that admin's
    /// login is not held by the limit on the username alone, which strangers can fill.
    public var knownAddressMemory: TimeInterval = 30 * 86_400
    /// (username, address) pairs remembered at once; past it, the oldest are forgotten first.
    public var maxKnownAddresses = 100_000

    public init() {}

    /// The longest window: a key whose newest failure is older than this can be forgotten.
    var longestWindow: TimeInterval {
        max(self.usernameFromAddress.window, self.address.window, self.username.window)
    }
}
