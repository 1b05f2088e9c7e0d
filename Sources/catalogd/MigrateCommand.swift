import ArgumentParser

struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Apply the database schema migrations and exit."
    )

    @OptionGroup var store: StoreOptions

    func run() async throws {
        let dataDir = try self.store.resolvedDataDir()
        let store = try self.store.openStore(dataDir: dataDir)
        try store.close()
        print("migrations applied")
    }
}
