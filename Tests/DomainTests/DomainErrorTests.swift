import Domain
import Testing

/// A domain error's cause is for the logs: it shows in the description, and two errors that
/// say the same to the caller are equal whatever they came from.
@Suite struct DomainErrorTests {
    struct Lost: Error, CustomStringConvertible {
        var description: String { "connection reset by peer" }
    }

    @Test func theCauseShowsInTheDescriptionAndNotInEquality() {
        let plain = DomainError(.unavailable, "the database is unavailable; try again")
        let caused = DomainError(.unavailable, "the database is unavailable; try again", cause: Lost())
        #expect(plain == caused)
        #expect(plain.hashValue == caused.hashValue)
        #expect(plain.description == "unavailable: the database is unavailable; try again")
        #expect(caused.description.contains("connection reset by peer"))
        #expect(!caused.message.contains("connection reset"))
    }
}
