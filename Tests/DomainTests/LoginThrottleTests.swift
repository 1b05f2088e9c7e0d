import Foundation
import Testing

@testable import Domain

@Suite struct LoginThrottleTests {
    let start = Date(timeIntervalSince1970: 1_800_000_000)

    @Test func aKeyIsRefusedAfterTheLimitUntilTheWindowPasses() throws {
        let throttle = LoginThrottle(maxFailures: 3, window: 300)
        for second in 0..<3 {
            try throttle.check(keys: ["user:mallory"], now: self.start.addingTimeInterval(Double(second)))
            throttle.recordFailure(keys: ["user:mallory"], now: self.start.addingTimeInterval(Double(second)))
        }
        let error = #expect(throws: DomainError.self) {
            try throttle.check(keys: ["user:mallory"], now: self.start.addingTimeInterval(10))
        }
        #expect(error?.code == .resourceExhausted)
        #expect(error?.message.contains("try again in 290 seconds") == true)
        try throttle.check(keys: ["user:alice"], now: self.start.addingTimeInterval(10))
        try throttle.check(keys: ["user:mallory"], now: self.start.addingTimeInterval(300))
    }

    @Test func aSuccessClearsTheUsernameCount() throws {
        let throttle = LoginThrottle(maxFailures: 2, window: 300)
        throttle.recordFailure(keys: ["user:alice", "address:10.0.0.1"], now: self.start)
        throttle.recordFailure(keys: ["user:alice", "address:10.0.0.1"], now: self.start)
        throttle.reset(key: "user:alice")
        try throttle.check(keys: ["user:alice"], now: self.start)
        #expect(throws: DomainError.self) { try throttle.check(keys: ["address:10.0.0.1"], now: self.start) }
    }
}
