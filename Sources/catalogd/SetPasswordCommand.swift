import ArgumentParser
import Domain
import Foundation
import HostSupport
import Logging

struct SetPasswordCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "set-password",
        abstract: "Set any admin's password, superusers included; their tokens stop working at once.",
        discussion: "The password comes from CATALOG_PASSWORD, or is asked for without echo."
    )

    @OptionGroup var store: StoreOptions

    @Option(help: "The admin's username, in any case.")
    var username: String

    func run() async throws {
        let dataDir = try self.store.resolvedDataDir()
        try await self.store.withStore(dataDir: dataDir, logger: Logger(label: "catalogd")) { store in
            let wiring = try await IdentityWiring(store: store, dataDir: dataDir, logger: Logger(label: "catalogd"))
            let password = try PasswordInput.read(prompt: "New password for \(self.username): ")
            do {
                let admin = try await wiring.identity.setPassword(username: self.username, password: password)
                if admin.username.lowercased() == IdentityService.initialSuperuserName {
                    // The first-start password is no longer valid; its file goes with it.
                    try? FileManager.default.removeItem(atPath: IdentityWiring.initialPasswordPath(dataDir: dataDir))
                }
                print("password of \(admin.username) changed")
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
