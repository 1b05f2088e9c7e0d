import Testing

@testable import Storage

/// The store's circuit breaker, on a clock the test moves.
@Suite struct DatabaseAvailabilityTests {
    let start = ContinuousClock.now

    @Test func onceUnreachableCallsAreRefusedAtOnceUntilAProbeGetsAnAnswer() {
        var availability = DatabaseAvailability(fallbackProbeInterval: .seconds(5))
        #expect(availability.admit(probe: false, now: self.start) == .proceed(asProbe: false))
        availability.finished(.unreachable, asProbe: false)
        #expect(availability.isDown)

        // Health's probe goes through; ordinary calls meanwhile are refused without waiting.
        #expect(availability.admit(probe: true, now: self.start) == .proceed(asProbe: true))
        #expect(availability.admit(probe: false, now: self.start + .seconds(1)) == .refuse)
        availability.finished(.unreachable, asProbe: true)
        #expect(availability.admit(probe: false, now: self.start + .seconds(2)) == .refuse)

        // The database is back: the next probe's answer lets every call through again.
        #expect(availability.admit(probe: true, now: self.start + .seconds(3)) == .proceed(asProbe: true))
        availability.finished(.answered, asProbe: true)
        #expect(!availability.isDown)
        #expect(availability.admit(probe: false, now: self.start + .seconds(3)) == .proceed(asProbe: false))
    }

    @Test func withoutAProberAnOrdinaryCallProbesNowAndThen() {
        var availability = DatabaseAvailability(fallbackProbeInterval: .seconds(5))
        _ = availability.admit(probe: false, now: self.start)
        availability.finished(.unreachable, asProbe: false)
        #expect(availability.admit(probe: false, now: self.start) == .proceed(asProbe: true), "no probe yet")
        #expect(availability.admit(probe: false, now: self.start + .seconds(6)) == .refuse, "one probe at a time")
        availability.finished(.unreachable, asProbe: true)
        #expect(availability.admit(probe: false, now: self.start + .seconds(4)) == .refuse)
        #expect(availability.admit(probe: false, now: self.start + .seconds(5)) == .proceed(asProbe: true))
    }

    @Test func anAnswerOfTheDatabasesOwnIsNotAnOutage() {
        var availability = DatabaseAvailability()
        _ = availability.admit(probe: false, now: self.start)
        availability.finished(.answered, asProbe: false)
        _ = availability.admit(probe: false, now: self.start)
        availability.finished(.unknown, asProbe: false)
        #expect(!availability.isDown)
    }
}
