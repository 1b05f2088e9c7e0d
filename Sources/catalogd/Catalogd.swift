import ArgumentParser

@main
struct Catalogd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "catalogd",
        abstract: "The product-catalog daemon: a TLS RPC server over SQLite or PostgreSQL.",
        subcommands: [ServeCommand.self, MigrateCommand.self, CreateSuperuserCommand.self, SetPasswordCommand.self],
        defaultSubcommand: ServeCommand.self
    )
}
