import Domain
import Testing

@Suite struct RetryBackoffTests {
    @Test func eachFailureInARowWaitsTwiceAsLongUpToTheMaximum() {
        var backoff = RetryBackoff(initial: .milliseconds(500), maximum: .seconds(5))
        let waits = (0..<7).map { _ in backoff.failed() }
        #expect(
            waits == [.milliseconds(500), .seconds(1), .seconds(2), .seconds(4), .seconds(5), .seconds(5), .seconds(5)]
        )
        #expect(backoff.failures == 7)
    }

    @Test func aSuccessStartsItOver() {
        var backoff = RetryBackoff(initial: .seconds(1), maximum: .seconds(30))
        _ = backoff.failed()
        _ = backoff.failed()
        backoff.succeeded()
        #expect(backoff.failed() == .seconds(1))
    }

    @Test func aLongOutageStaysAtTheMaximumWithoutOverflow() {
        var backoff = RetryBackoff(initial: .seconds(1), maximum: .seconds(30))
        for _ in 0..<10_000 { _ = backoff.failed() }
        #expect(backoff.failed() == .seconds(30))
    }
}

@Suite struct RepeatedFailureLogTests {
    private let start = ContinuousClock.now

    @Test func theFirstFailureIsLoggedThenOneLinePerIntervalCountingTheRest() {
        var log = RepeatedFailureLog(interval: .seconds(60))
        #expect(log.failed(at: self.start) == .log(failures: 1))
        // 10,000 failures a second for 59 s: not one more line.
        for tick in 1..<590 {
            #expect(log.failed(at: self.start + .milliseconds(100 * tick)) == .silent)
        }
        #expect(log.failed(at: self.start + .seconds(60)) == .log(failures: 590))
        #expect(log.failed(at: self.start + .seconds(61)) == .silent)
        #expect(log.failed(at: self.start + .seconds(120)) == .log(failures: 2))
    }

    @Test func aSuccessAfterAWrittenStreakSaysHowManyFailedInARow() {
        var log = RepeatedFailureLog(interval: .seconds(60))
        #expect(log.succeeded() == nil, "nothing had failed")
        #expect(log.failed(at: self.start) == .log(failures: 1))
        _ = log.failed(at: self.start + .seconds(1))
        _ = log.failed(at: self.start + .seconds(2))
        #expect(log.succeeded() == 3)
        #expect(log.succeeded() == nil)
        // The next streak's first line waits for the interval since the last line.
        #expect(log.failed(at: self.start + .seconds(3)) == .silent)
        #expect(log.succeeded() == nil, "a streak never written is not announced as over")
        #expect(log.failed(at: self.start + .seconds(61)) == .log(failures: 1))
    }

    @Test func workThatFlapsIsLoggedAFewTimesAMinuteNotPerFailure() {
        var log = RepeatedFailureLog(interval: .seconds(60))
        var lines = 0
        // A failure and a success every millisecond for a minute (half a pool's connections broken).
        for tick in 0..<60_000 {
            if case .log = log.failed(at: self.start + .milliseconds(tick)) { lines += 1 }
            if log.succeeded() != nil { lines += 1 }
        }
        #expect(lines == 2, "one failure line and its recovery line")
    }
}
