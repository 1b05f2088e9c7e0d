import ArgumentParser

struct HealthCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "health",
        abstract: "Print whether the daemon serves (SERVING or NOT_SERVING)."
    )

    @OptionGroup var connection: ConnectionOptions

    @Option(help: "A service to check, e.g. catalog.v1.ProductService; empty for the whole server.")
    var service = ""

    func run() async throws {
        try await self.connection.withClient { client in
            let status = try await client.health(service: self.service)
            if self.connection.json {
                try Output.printJSON(status)
            } else {
                print(status.rawValue)
            }
        }
    }
}
