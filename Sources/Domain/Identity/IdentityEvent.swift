/// What the identity service tells its observer (the daemon's metrics) of logins and refreshes.
public enum IdentityEvent: Sendable, Hashable {
    /// A login's outcome; a login refused before its password was checked (a malformed name,
    /// the store or the hashing queue unavailable) is none of these.
    case login(LoginOutcome)
    case refresh(RefreshOutcome)

    public enum LoginOutcome: String, Sendable, CaseIterable {
        case succeeded
        /// A wrong username or password.
        case failed
        /// Refused by the login throttle, before any password was checked.
        case throttled
    }

    public enum RefreshOutcome: String, Sendable, CaseIterable {
        /// A new pair was issued.
        case rotated
        /// Unknown, expired or revoked.
        case invalid
        /// A rotated token presented again: its whole login family was revoked.
        case reused
        /// Refused by the refresh throttle (the address's failed refreshes and logouts), before any read.
        case throttled
    }
}
