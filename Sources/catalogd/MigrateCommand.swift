import ArgumentParser
import Logging

struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Apply the database schema migrations and exit."
    )

    @OptionGroup var store: StoreOptions

    func run() async throws {
        let dataDir = try self.store.resolvedDataDir()
        // Opening the store applies what is pending; several daemons may do it at once.
        try await self.store.location(dataDir: dataDir).withStore(
            timeout: .seconds(self.store.databaseTimeout),
            logger: Logger(label: "catalogd")
        ) { _ in }
        print("migrations applied")
    }
}
