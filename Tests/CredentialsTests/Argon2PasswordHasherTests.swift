import Testing

@testable import Credentials

@Suite struct Argon2PasswordHasherTests {
    @Test func hashesAreSaltedArgon2idPHCStringsThatVerify() async throws {
        // The production cost: OWASP's m = 19 MiB, t = 2, p = 1.
        let hasher = try Argon2PasswordHasher()
        let first = try await hasher.hash("correct horse battery staple")
        let second = try await hasher.hash("correct horse battery staple")
        #expect(first.hasPrefix("$argon2id$v=19$m=19456,t=2,p=1$"))
        #expect(first != second, "each hash has its own salt")
        #expect(!first.contains("correct horse"))
        #expect(try await hasher.verify("correct horse battery staple", against: first))
        #expect(try await !hasher.verify("correct horse battery stapl", against: first))
        #expect(try await !hasher.verify("correct horse battery staple", against: nil), "the dummy never matches")
        try await hasher.shutdown()
    }

    @Test func unknownUsersVerifyAgainstADummyOfTheSameCost() async throws {
        // Same algorithm and parameters, so the same work as a wrong password; no timing needed.
        let hasher = try Argon2PasswordHasher()
        #expect(hasher.dummyHash.hasPrefix("$argon2id$v=19$m=19456,t=2,p=1$"))
        try await hasher.shutdown()
    }
}
