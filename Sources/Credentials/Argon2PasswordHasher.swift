import CArgon2
public import Domain
import Foundation
import NIOPosix
import Synchronization

/// Argon2id password hashes as PHC strings, computed on a thread pool of their own so that
/// neither an event loop nor the cooperative pool ever waits for one.
///
/// The pool's queue is bounded: a flood of logins gets RESOURCE_EXHAUSTED at once instead
/// of making a real admin's login wait behind it (and holding its memory meanwhile).
public final class Argon2PasswordHasher: PasswordHasher {
    /// Argon2id cost. The defaults are OWASP's first recommendation: 19 MiB, 2 passes, 1 lane.
    public struct Parameters: Sendable {
        public var memoryKiB: UInt32 = 19 * 1024
        public var iterations: UInt32 = 2
        var parallelism: UInt32 = 1
        var saltLength = 16
        var hashLength = 32

        public init() {}
    }

    private let parameters: Parameters
    private let pool: NIOThreadPool
    /// Hashes running or waiting, and the most allowed at once.
    private let admitted = Atomic<Int>(0)
    private let maxAdmitted: Int
    /// Verified for unknown usernames, so they cost as much as a wrong password.
    let dummyHash: String

    /// - Parameters:
    ///   - threads: hashes computed at once; each holds `memoryKiB` while it runs.
    ///   - maxWaiting: hashes that may wait for a thread; past it `hash` and `verify` throw
    ///     `resourceExhausted` without waiting.
    public init(parameters: Parameters = Parameters(), threads: Int = 2, maxWaiting: Int = 16) throws {
        precondition(threads > 0 && maxWaiting >= 0, "the hashing pool needs a thread and a queue of zero or more")
        self.parameters = parameters
        self.maxAdmitted = threads + maxWaiting
        self.pool = NIOThreadPool(numberOfThreads: threads)
        self.pool.start()
        self.dummyHash = try Self.encode(Array("dummy password for unknown users".utf8), parameters: parameters)
    }

    /// Stops the hashing threads; call once no more hashing is needed.
    public func shutdown() async throws {
        try await self.pool.shutdownGracefully()
    }

    public func hash(_ password: String) async throws -> String {
        let parameters = self.parameters
        return try await self.runAdmitted {
            try Self.encode(Array(password.utf8), parameters: parameters)
        }
    }

    public func verify(_ password: String, against hash: String?) async throws -> Bool {
        let encoded = hash ?? self.dummyHash
        let matches = try await self.runAdmitted {
            let bytes = Array(password.utf8)
            return argon2id_verify(encoded, bytes, bytes.count) == ARGON2_OK.rawValue
        }
        return matches && hash != nil
    }

    /// Runs `work` on the pool if its queue has room.
    private func runAdmitted<Result: Sendable>(_ work: @Sendable @escaping () throws -> Result) async throws -> Result {
        let before = self.admitted.add(1, ordering: .relaxed).oldValue
        defer { _ = self.admitted.subtract(1, ordering: .relaxed) }
        guard before < self.maxAdmitted else {
            throw DomainError(.resourceExhausted, "too many password checks waiting; try again in a few seconds")
        }
        return try await self.pool.runIfActive(work)
    }

    private static func encode(_ password: [UInt8], parameters: Parameters) throws -> String {
        var salt = [UInt8](repeating: 0, count: parameters.saltLength)
        var generator = SystemRandomNumberGenerator()
        for index in salt.indices {
            salt[index] = generator.next()
        }
        let length = argon2_encodedlen(
            parameters.iterations,
            parameters.memoryKiB,
            parameters.parallelism,
            UInt32(salt.count),
            UInt32(parameters.hashLength),
            Argon2_id
        )
        var encoded = [CChar](repeating: 0, count: length)
        let result = argon2id_hash_encoded(
            parameters.iterations,
            parameters.memoryKiB,
            parameters.parallelism,
            password,
            password.count,
            salt,
            salt.count,
            parameters.hashLength,
            &encoded,
            encoded.count
        )
        guard result == ARGON2_OK.rawValue else {
            throw Argon2Error(code: result)
        }
        return String(decoding: encoded.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// libargon2 refused to hash; its message names the parameter, never the password.
struct Argon2Error: Error, CustomStringConvertible {
    public var code: Int32

    public var description: String {
        "argon2: " + String(cString: argon2_error_message(self.code))
    }
}
