import ArgumentParser
import Daemon
import HostSupport

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
        try await self.store.withIdentity { identity, dataDir in
            let password = try PasswordInput.read(prompt: "New password for \(self.username): ")
            let admin = try await identity.setPassword(username: self.username, password: password)
            InitialSuperuser.passwordChanged(username: admin.username, dataDir: dataDir)
            print("password of \(admin.username) changed")
        }
    }
}
