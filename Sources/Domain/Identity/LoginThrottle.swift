import Foundation
import Synchronization

/// Failed logins per username, per address and per pair of both, in memory
/// (`LoginThrottleState` has the rules). Logins are few and slow, so one lock is enough.
final class LoginThrottle: Sendable {
    private let state: Mutex<LoginThrottleState>

    /// - Parameter attempts: what is counted, as the refusal names it ("logins").
    init(rules: LoginThrottleRules, attempts: String = "logins") {
        self.state = Mutex(LoginThrottleState(rules: rules, attempts: attempts))
    }

    /// - Parameter username: `nil` for attempts that name none (refreshes): the address alone counts.
    /// - Throws: `resourceExhausted`, with the wait in the message, when a key is throttled.
    func reserve(username: String?, address: String?, now: Date) throws(DomainError) -> LoginThrottleState.Reservation {
        try self.state.withLock { (state: inout LoginThrottleState) throws(DomainError) in
            try state.reserve(username: username, address: address, now: now)
        }
    }

    func release(_ reservation: LoginThrottleState.Reservation) {
        self.state.withLock { $0.release(reservation) }
    }

    func succeeded(_ reservation: LoginThrottleState.Reservation) {
        self.state.withLock { $0.succeeded(reservation) }
    }
}
