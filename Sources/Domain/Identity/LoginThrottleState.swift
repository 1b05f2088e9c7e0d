import Foundation

/// The failed-login counts and their rules, as a value: `LoginThrottle` keeps one under a lock.
///
/// An attempt reserves a failure on each of its keys *before* its password is checked, so
/// concurrent attempts see one another: N attempts at once get the same number of checks as
/// N in a row. A successful login gives its reservation back and clears its
/// (username, address) count; an attempt that never checked a password (the hashing queue was
/// full, the store did not answer) gives it back too.
struct LoginThrottleState {
    enum Key: Hashable {
        case usernameFromAddress(username: String, address: String)
        case address(String)
        case username(String)
    }

    /// What an attempt holds until it is known to have failed.
    struct Reservation: Sendable, Hashable {
        var keys: [Key]
        var time: Date
    }

    let rules: LoginThrottleRules
    /// What is counted, as refusals name it: "logins", "refreshes".
    let attempts: String
    /// Each key's failures in its window, oldest first; never more than the key's limit.
    private var failures: [Key: [Date]] = [:]
    /// When each (username, address) pair last logged in: such an attempt is not held by the
    /// username's own limit (strangers cannot lock an admin out of their usual address).
    private var knownPairs: [Key: Date] = [:]
    private var lastSweep = Date.distantPast

    init(rules: LoginThrottleRules, attempts: String = "logins") {
        self.rules = rules
        self.attempts = attempts
    }

    /// Keys remembered now.
    var trackedKeys: Int { self.failures.count }

    /// Reserves a failure for an attempt by `username` (already normalized) from `address`.
    /// - Throws: `resourceExhausted` with the wait in the message when a key is at its limit,
    ///   or when no more keys can be remembered.
    mutating func reserve(username: String?, address: String?, now: Date) throws(DomainError) -> Reservation {
        var keys: [Key] = []
        if let username {
            keys.append(.username(username))
        }
        if let address {
            if let username {
                keys.append(.usernameFromAddress(username: username, address: address))
            }
            keys.append(.address(address))
        }
        self.sweepIfDue(now: now)

        var wait: TimeInterval = 0
        let known = keys.contains { self.isKnown($0, now: now) }
        for key in keys {
            if known, case .username = key { continue }
            let limit = self.limit(of: key)
            let recent = self.recentFailures(key, now: now)
            if recent.count >= limit.failures, let oldest = recent.first {
                wait = max(wait, oldest.addingTimeInterval(limit.window).timeIntervalSince(now))
            }
        }
        if wait > 0 {
            throw DomainError(
                .resourceExhausted,
                "too many failed \(self.attempts); try again in \(Int(wait.rounded(.up))) seconds"
            )
        }
        let newKeys = keys.filter { self.failures[$0] == nil }.count
        if self.failures.count + newKeys > self.rules.maxTrackedKeys {
            self.sweep(now: now)
            guard self.failures.count + newKeys <= self.rules.maxTrackedKeys else {
                throw DomainError(
                    .resourceExhausted,
                    "too many failed \(self.attempts) from many clients; try again in a minute"
                )
            }
        }
        for key in keys {
            self.failures[key, default: []].append(now)
        }
        return Reservation(keys: keys, time: now)
    }

    /// The attempt did not fail: its reserved failures are given back.
    mutating func release(_ reservation: Reservation) {
        for key in reservation.keys {
            guard var times = self.failures[key], let index = times.lastIndex(of: reservation.time) else {
                continue
            }
            times.remove(at: index)
            self.failures[key] = times.isEmpty ? nil : times
        }
    }

    /// The password was right: its reservation is given back and its (username, address)
    /// count cleared, so an admin's own typos do not pile up across successful logins.
    mutating func succeeded(_ reservation: Reservation) {
        self.release(reservation)
        for key in reservation.keys {
            if case .usernameFromAddress = key {
                self.failures[key] = nil
                self.remember(key, at: reservation.time)
            }
        }
    }

    /// Pairs remembered now.
    var knownAddresses: Int { self.knownPairs.count }

    private func isKnown(_ key: Key, now: Date) -> Bool {
        guard case .usernameFromAddress = key, let last = self.knownPairs[key] else { return false }
        return now.timeIntervalSince(last) < self.rules.knownAddressMemory
    }

    /// Remembers a pair that logged in; when full, forgets the pairs past their memory, then the
    /// oldest eighth, so memory stays bounded and the sort is paid once per many logins.
    private mutating func remember(_ key: Key, at time: Date) {
        if self.knownPairs[key] == nil, self.knownPairs.count >= self.rules.maxKnownAddresses {
            let memory = self.rules.knownAddressMemory
            self.knownPairs = self.knownPairs.filter { time.timeIntervalSince($0.value) < memory }
            if self.knownPairs.count >= self.rules.maxKnownAddresses {
                let oldest = self.knownPairs.sorted { $0.value < $1.value }
                    .prefix(max(1, self.rules.maxKnownAddresses / 8))
                for (pair, _) in oldest {
                    self.knownPairs[pair] = nil
                }
            }
        }
        self.knownPairs[key] = time
    }

    private func limit(of key: Key) -> LoginThrottleRules.Limit {
        switch key {
        case .usernameFromAddress: self.rules.usernameFromAddress
        case .address: self.rules.address
        case .username: self.rules.username
        }
    }

    /// The key's failures still in its window; older ones are dropped.
    private mutating func recentFailures(_ key: Key, now: Date) -> [Date] {
        guard let times = self.failures[key] else { return [] }
        let window = self.limit(of: key).window
        let recent = times.filter { now.timeIntervalSince($0) < window }
        if recent.count != times.count {
            self.failures[key] = recent.isEmpty ? nil : recent
        }
        return recent
    }

    /// Forgets every key with no failure left in its window.
    private mutating func sweep(now: Date) {
        self.lastSweep = now
        self.failures = self.failures.filter { key, times in
            guard let newest = times.last else { return false }
            return now.timeIntervalSince(newest) < self.limit(of: key).window
        }
    }

    /// Sweeps once per longest window, so keys of attempts long past do not stay.
    private mutating func sweepIfDue(now: Date) {
        if now.timeIntervalSince(self.lastSweep) >= self.rules.longestWindow {
            self.sweep(now: now)
        }
    }
}
