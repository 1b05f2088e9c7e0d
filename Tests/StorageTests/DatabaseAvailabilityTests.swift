import Domain
import Testing

@testable import Storage

/// The store's circuit breaker, on a clock the test moves.
@Suite struct DatabaseAvailabilityTests {
    let start = ContinuousClock.now

    @Test func onceUnreachableCallsAreRefusedAtOnceUntilAProbeGetsAnAnswer() {
        var availability = DatabaseAvailability(fallbackProbeInterval: .seconds(5))
        #expect(availability.admit(probe: false, now: self.start) == .proceed(asProbe: false))
        availability.finished(.unreachable, asProbe: false, now: self.start)
        #expect(availability.isDown)

        // Health's probe goes through; ordinary calls meanwhile are refused without waiting.
        #expect(availability.admit(probe: true, now: self.start) == .proceed(asProbe: true))
        #expect(availability.admit(probe: false, now: self.start + .seconds(1)) == .refuse)
        availability.finished(.unreachable, asProbe: true, now: self.start + .seconds(1))
        #expect(availability.admit(probe: false, now: self.start + .seconds(2)) == .refuse)

        // The database is back: the next probe's answer lets every call through again.
        #expect(availability.admit(probe: true, now: self.start + .seconds(3)) == .proceed(asProbe: true))
        availability.finished(.answered, asProbe: true, now: self.start + .seconds(3))
        #expect(!availability.isDown)
        #expect(availability.admit(probe: false, now: self.start + .seconds(3)) == .proceed(asProbe: false))
    }

    @Test func withoutAProberAnOrdinaryCallProbesNowAndThen() {
        var availability = DatabaseAvailability(fallbackProbeInterval: .seconds(5))
        _ = availability.admit(probe: false, now: self.start)
        // The call that noticed the outage was a look at the database: the next ones are
        // refused at once, not made to wait out the timeout again (DatabaseOutageTests once
        // caught a write doing so, between the outage's first failure and Health's next probe).
        availability.finished(.unreachable, asProbe: false, now: self.start + .seconds(10))
        #expect(availability.admit(probe: false, now: self.start + .seconds(10)) == .refuse)
        #expect(availability.admit(probe: false, now: self.start + .seconds(14)) == .refuse)
        #expect(availability.admit(probe: false, now: self.start + .seconds(15)) == .proceed(asProbe: true))
        #expect(availability.admit(probe: false, now: self.start + .seconds(21)) == .refuse, "one probe at a time")
        availability.finished(.unreachable, asProbe: true, now: self.start + .seconds(22))
        #expect(
            availability.admit(probe: false, now: self.start + .seconds(22)) == .proceed(asProbe: true),
            "the interval counts from the last probe's start"
        )
    }

    @Test func callsStillInFlightWhenTheOutageWasNoticedDoNotPostponeTheNextProbe() {
        var availability = DatabaseAvailability(fallbackProbeInterval: .seconds(5))
        _ = availability.admit(probe: false, now: self.start)
        _ = availability.admit(probe: false, now: self.start)
        availability.finished(.unreachable, asProbe: false, now: self.start + .seconds(1))
        availability.finished(.unreachable, asProbe: false, now: self.start + .seconds(5))
        #expect(availability.admit(probe: false, now: self.start + .seconds(6)) == .proceed(asProbe: true))
    }

    @Test func anAnswerOfTheDatabasesOwnIsNotAnOutage() {
        var availability = DatabaseAvailability()
        _ = availability.admit(probe: false, now: self.start)
        availability.finished(.answered, asProbe: false, now: self.start)
        _ = availability.admit(probe: false, now: self.start)
        availability.finished(.unknown, asProbe: false, now: self.start)
        #expect(!availability.isDown)
    }

    @Test func aSlowCallIsNotAnOutageButAnUnansweredProbeAndALostConnectionAre() {
        let timedOut = DomainError(.unavailable, "the database did not answer in time; try again")
        // An all-time report past its deadline says nothing of the database.
        #expect(PostgresStore.availabilityOutcome(of: DeadlinePassed(), translated: timedOut, probe: false) == .unknown)
        // Health's SELECT 1 (or an ordinary call sent as the breaker's probe) past its deadline does.
        #expect(
            PostgresStore.availabilityOutcome(of: DeadlinePassed(), translated: timedOut, probe: true) == .unreachable
        )
        let lost = DomainError(.unavailable, "the database is unavailable; try again")
        #expect(PostgresStore.availabilityOutcome(of: lost, translated: lost, probe: false) == .unreachable)
        #expect(
            PostgresStore.availabilityOutcome(of: CancellationError(), translated: CancellationError(), probe: true)
                == .unknown
        )
        let conflict = DomainError(.aborted, "the change conflicted with concurrent changes; try again")
        #expect(PostgresStore.availabilityOutcome(of: conflict, translated: conflict, probe: false) == .answered)
    }

    @Test func twentySlowReportsLeaveTheBreakerClosed() {
        var availability = DatabaseAvailability(fallbackProbeInterval: .seconds(30))
        let timedOut = DomainError(.unavailable, "the database did not answer in time; try again")
        for index in 0..<20 {
            let now = self.start + .milliseconds(index)
            guard case .proceed(let asProbe) = availability.admit(probe: false, now: now) else {
                Issue.record("call \(index) refused")
                return
            }
            let outcome = PostgresStore.availabilityOutcome(
                of: DeadlinePassed(),
                translated: timedOut,
                probe: asProbe
            )
            availability.finished(outcome, asProbe: asProbe, now: now + .seconds(5))
        }
        #expect(!availability.isDown)
    }
}
