public import Credentials

/// Credentials for tests: a fixed token key and a cheap Argon2id cost. The cost is the
/// only difference from production; the algorithm and code paths are the same.
public enum TestCredentials {
    public static let tokenKey = [UInt8](repeating: 7, count: 32)

    public static func hasher() async throws -> Argon2PasswordHasher {
        var parameters = Argon2PasswordHasher.Parameters()
        parameters.memoryKiB = 1024
        parameters.iterations = 1
        return try Argon2PasswordHasher(parameters: parameters, threads: 2)
    }
}
