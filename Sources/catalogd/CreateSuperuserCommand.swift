import ArgumentParser
import HostSupport

struct CreateSuperuserCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create-superuser",
        abstract: "Create a superuser (superusers are managed only here, on the server host).",
        discussion: "The password comes from CATALOG_PASSWORD, or is asked for without echo."
    )

    @OptionGroup var store: StoreOptions

    @Option(help: "3 to 150 of letters, digits and @.+-_")
    var username: String

    @Option(help: "Where product-change notifications go.")
    var email = ""

    func run() async throws {
        try await self.store.withIdentity { identity, _ in
            let password = try PasswordInput.read(prompt: "Password for \(self.username): ")
            let admin = try await identity.createSuperuser(
                username: self.username,
                email: self.email,
                password: password
            )
            print("created superuser \(admin.username) (\(admin.id.canonicalText))")
        }
    }
}
