import Foundation
import Testing

@testable import Domain

@Suite struct LoginThrottleTests {
    let start = Date(timeIntervalSince1970: 1_800_000_000)

    private func at(_ seconds: TimeInterval) -> Date { self.start.addingTimeInterval(seconds) }

    @Test func aPairIsRefusedAfterTheLimitUntilTheWindowPasses() throws {
        var throttle = LoginThrottleState(rules: LoginThrottleRules())
        for second in 0..<10 {
            _ = try throttle.reserve(username: "mallory", address: "10.0.0.1", now: self.at(Double(second)))
        }
        let error = #expect(throws: DomainError.self) {
            _ = try throttle.reserve(username: "mallory", address: "10.0.0.1", now: self.at(70))
        }
        #expect(error?.code == .resourceExhausted)
        #expect(error?.message.contains("try again in 230 seconds") == true)
        _ = try throttle.reserve(username: "mallory", address: "10.0.0.1", now: self.at(300))
    }

    @Test func reservationsMadeAtOnceAreCountedBeforeAnyPasswordIsChecked() throws {
        var throttle = LoginThrottleState(rules: LoginThrottleRules())
        var granted = 0
        // 4 addresses, 64 attempts each, none finished yet: the username alone allows 10.
        for address in ["10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4"] {
            for _ in 0..<64 {
                if (try? throttle.reserve(username: "admin", address: address, now: self.start)) != nil {
                    granted += 1
                }
            }
        }
        #expect(granted == 10)
    }

    @Test func theUsernameAloneSlowsForAMinuteAtMost() throws {
        var throttle = LoginThrottleState(rules: LoginThrottleRules())
        for index in 0..<10 {
            _ = try throttle.reserve(username: "admin", address: "10.0.1.\(index)", now: self.start)
        }
        let error = #expect(throws: DomainError.self) {
            _ = try throttle.reserve(username: "admin", address: "192.0.2.1", now: self.at(1))
        }
        #expect(error?.message.contains("try again in 59 seconds") == true)
        // A minute later the admin's own address gets through, though strangers failed from ten others.
        _ = try throttle.reserve(username: "admin", address: "192.0.2.1", now: self.at(60))
    }

    @Test func anAddressIsRefusedWhateverTheUsername() throws {
        var throttle = LoginThrottleState(rules: LoginThrottleRules())
        for index in 0..<10 {
            _ = try throttle.reserve(username: "user\(index)", address: "10.0.0.9", now: self.start)
        }
        #expect(throws: DomainError.self) {
            _ = try throttle.reserve(username: "someone-else", address: "10.0.0.9", now: self.start)
        }
        _ = try throttle.reserve(username: "someone-else", address: "10.0.0.10", now: self.start)
    }

    @Test func aSuccessGivesBackItsReservationAndClearsThePair() throws {
        var rules = LoginThrottleRules()
        rules.usernameFromAddress = .init(failures: 2, window: 300)
        var throttle = LoginThrottleState(rules: rules)
        _ = try throttle.reserve(username: "alice", address: "10.0.0.1", now: self.start)
        let success = try throttle.reserve(username: "alice", address: "10.0.0.1", now: self.at(1))
        throttle.succeeded(success)
        _ = try throttle.reserve(username: "alice", address: "10.0.0.1", now: self.at(2))
        _ = try throttle.reserve(username: "alice", address: "10.0.0.1", now: self.at(3))
        #expect(throws: DomainError.self) {
            _ = try throttle.reserve(username: "alice", address: "10.0.0.1", now: self.at(4))
        }
    }

    @Test func aReleasedReservationIsNotAFailure() throws {
        var rules = LoginThrottleRules()
        rules.username = .init(failures: 1, window: 60)
        var throttle = LoginThrottleState(rules: rules)
        let unchecked = try throttle.reserve(username: "alice", address: nil, now: self.start)
        throttle.release(unchecked)
        #expect(throttle.trackedKeys == 0)
        _ = try throttle.reserve(username: "alice", address: nil, now: self.start)
    }

    @Test func memoryIsBoundedExpiredKeysSweptAndNewKeysRefusedWhenFull() throws {
        var rules = LoginThrottleRules()
        rules.maxTrackedKeys = 30
        var throttle = LoginThrottleState(rules: rules)
        // Each attempt from its own address is three keys: username, pair, address.
        for index in 0..<10 {
            _ = try throttle.reserve(username: "user\(index)", address: "10.0.0.\(index)", now: self.start)
        }
        #expect(throttle.trackedKeys == 30)
        let full = #expect(throws: DomainError.self) {
            _ = try throttle.reserve(username: "another", address: "10.0.1.1", now: self.at(10))
        }
        #expect(full?.code == .resourceExhausted)
        // Once their windows have passed, the old keys make room.
        _ = try throttle.reserve(username: "another", address: "10.0.1.1", now: self.at(300))
        #expect(throttle.trackedKeys == 3)
    }

    @Test func strangersFailuresDoNotHoldTheAdminAtAnAddressTheyLoggedInFromButDoANewOne() throws {
        var throttle = LoginThrottleState(rules: LoginThrottleRules())
        // The admin logged in from 192.0.2.7 yesterday.
        let usual = try throttle.reserve(username: "admin", address: "192.0.2.7", now: self.at(-86_400))
        throttle.succeeded(usual)
        // Ten wrong passwords from each of ten addresses, as fast as they are allowed.
        var refused = 0
        for address in (1...10).map({ "10.0.0.\($0)" }) {
            for _ in 0..<10 {
                if (try? throttle.reserve(username: "admin", address: address, now: self.start)) == nil {
                    refused += 1
                }
            }
        }
        #expect(refused == 90, "the username's own limit holds the strangers")
        // The admin's usual address still gets its password checked...
        let admin = try throttle.reserve(username: "admin", address: "192.0.2.7", now: self.at(1))
        throttle.succeeded(admin)
        // ...a new address does not, until the username's window passes.
        let stranger = #expect(throws: DomainError.self) {
            _ = try throttle.reserve(username: "admin", address: "198.51.100.1", now: self.at(1))
        }
        #expect(stranger?.code == .resourceExhausted)
        // The usual address's own limits still apply to it: a guesser there is stopped too.
        for _ in 0..<10 {
            _ = try throttle.reserve(username: "admin", address: "192.0.2.7", now: self.at(2))
        }
        #expect(throws: DomainError.self) {
            _ = try throttle.reserve(username: "admin", address: "192.0.2.7", now: self.at(2))
        }
    }

    @Test func anAddressIsRememberedForABoundedTimeAndInBoundedNumbers() throws {
        var rules = LoginThrottleRules()
        rules.maxKnownAddresses = 16
        rules.knownAddressMemory = 3600
        var throttle = LoginThrottleState(rules: rules)
        for index in 0..<100 {
            let address = "10.1.0.\(index)"
            let reservation = try throttle.reserve(username: "admin", address: address, now: self.at(Double(index)))
            throttle.succeeded(reservation)
            #expect(throttle.knownAddresses <= 16)
        }
        // Fill the username's limit from strangers, then come back from the newest known address
        // after its memory: it is a stranger again.
        for index in 0..<10 {
            _ = try throttle.reserve(username: "admin", address: "10.2.0.\(index)", now: self.at(200))
        }
        _ = try throttle.reserve(username: "admin", address: "10.1.0.99", now: self.at(200))
        for index in 0..<10 {
            _ = try throttle.reserve(username: "admin", address: "10.3.0.\(index)", now: self.at(99 + 3600 + 1))
        }
        #expect(throws: DomainError.self) {
            _ = try throttle.reserve(username: "admin", address: "10.1.0.99", now: self.at(99 + 3600 + 1))
        }
    }
}
