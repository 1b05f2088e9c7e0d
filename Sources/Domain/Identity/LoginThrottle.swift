import Foundation

/// Counts failed logins per username and per client address, in memory, and refuses
/// further attempts for a while after too many (PROTOCOL.md section 7, AuthService).
final class LoginThrottle: Sendable {
    private let failures = Striped<[String: [Date]]>(count: 16) { [:] }
    private let maxFailures: Int
    private let window: TimeInterval

    init(maxFailures: Int, window: TimeInterval) {
        self.maxFailures = maxFailures
        self.window = window
    }

    /// - Throws: `resourceExhausted`, with the wait in the message, when a key is throttled.
    func check(keys: [String], now: Date) throws(DomainError) {
        for key in keys {
            let recent = self.recentFailures(key, now: now)
            if recent.count >= self.maxFailures, let oldest = recent.first {
                let wait = Int((oldest.addingTimeInterval(self.window).timeIntervalSince(now)).rounded(.up))
                throw DomainError(.resourceExhausted, "too many failed logins; try again in \(max(wait, 1)) seconds")
            }
        }
    }

    func recordFailure(keys: [String], now: Date) {
        for key in keys {
            self.failures.withStripe(for: key) { failures in
                var recent = (failures[key] ?? []).filter { now.timeIntervalSince($0) < self.window }
                recent.append(now)
                failures[key] = recent
            }
        }
    }

    func reset(key: String) {
        self.failures.withStripe(for: key) { $0[key] = nil }
    }

    private func recentFailures(_ key: String, now: Date) -> [Date] {
        self.failures.withStripe(for: key) { failures in
            let recent = (failures[key] ?? []).filter { now.timeIntervalSince($0) < self.window }
            failures[key] = recent.isEmpty ? nil : recent
            return recent
        }
    }
}
