import Domain
import Foundation
import Logging

extension StoreOptions {
    /// For the host subcommands: opens the store, builds the identity service over it, runs
    /// `body` with it and the data dir, and shuts the password hasher down however `body` ends.
    /// A failure of `body` is printed as its message alone (`HostCommandError`).
    func withIdentity(_ body: (IdentityService, _ dataDir: String) async throws -> Void) async throws {
        let dataDir = try self.resolvedDataDir()
        let logger = Logger(label: "catalogd")
        try await self.withStore(dataDir: dataDir, logger: logger) { store in
            let wiring = try await IdentityWiring(store: store, dataDir: dataDir, logger: logger)
            do {
                try await body(wiring.identity, dataDir)
            } catch {
                await wiring.shutdown()
                throw HostCommandError(error)
            }
            await wiring.shutdown()
        }
    }
}

/// A domain failure of a host command, printed as its message alone.
struct HostCommandError: Error, CustomStringConvertible {
    let description: String

    init(_ error: any Error) {
        if let error = error as? DomainError {
            let details = error.fieldViolations.map { "\n  \($0.field): \($0.description)" }.joined()
            self.description = error.message + details
        } else {
            self.description = "\(error)"
        }
    }
}
