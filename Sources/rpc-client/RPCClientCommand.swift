import ArgumentParser

@main
struct RPCClientCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rpc-client",
        abstract: "The catalogd admins' command-line client.",
        subcommands: [
            LoginCommand.self, LogoutCommand.self, ProductsCommand.self, AdminsCommand.self, NotificationsCommand.self,
            ReportsCommand.self,
            HealthCommand.self, BenchCommand.self,
        ]
    )

    /// Accepted before the subcommand too, as kubectl and gh accept theirs: ArgumentParser merges
    /// the values into the subcommand's own group wherever they appear.
    @OptionGroup var connection: ConnectionOptions
}
