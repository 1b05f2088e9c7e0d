import ArgumentParser

@main
struct RPCClientCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rpc-client",
        abstract: "The catalogd admins' command-line client.",
        subcommands: [
            LoginCommand.self, LogoutCommand.self, ProductsCommand.self, AdminsCommand.self, NotificationsCommand.self,
            HealthCommand.self, BenchCommand.self,
        ]
    )
}
