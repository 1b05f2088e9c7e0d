import Domain
import Synchronization
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

    @Test func pastItsQueueTheHasherRefusesAtOnce() async throws {
        // Slow hashes, so that sixteen started together overlap even on a busy machine.
        var parameters = Argon2PasswordHasher.Parameters()
        parameters.memoryKiB = 64 * 1024
        parameters.iterations = 3
        let hasher = try Argon2PasswordHasher(parameters: parameters, threads: 1, maxWaiting: 1)
        let hash = try await hasher.hash("correct horse battery staple")
        let (checked, refused) = await withTaskGroup(of: Bool?.self) { group in
            for _ in 0..<16 {
                group.addTask {
                    do {
                        return try await hasher.verify("a wrong guess at it", against: hash)
                    } catch let error as DomainError {
                        return error.code == .resourceExhausted ? nil : true
                    } catch {
                        return true
                    }
                }
            }
            var counts = (checked: 0, refused: 0)
            for await outcome in group {
                if outcome == false { counts.checked += 1 } else if outcome == nil { counts.refused += 1 }
            }
            return counts
        }
        #expect(checked + refused == 16, "every attempt is either checked (and wrong) or refused")
        #expect(checked >= 1)
        #expect(refused >= 1)
        // Once the queue drains, hashing works again.
        #expect(try await hasher.verify("correct horse battery staple", against: hash))
        try await hasher.shutdown()
    }
}
