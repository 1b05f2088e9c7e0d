import ArgumentParser
import Codec
import Foundation
import HostSupport
import RPCClient

struct LoginCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "login",
        abstract: "Log in as an admin; the tokens are kept in ~/.config/catalog/credentials (mode 0600).",
        discussion: "The password comes from CATALOG_PASSWORD, or is asked for without echo."
    )

    @OptionGroup var connection: ConnectionOptions

    @Option(help: "Your admin username.")
    var username: String

    func run() async throws {
        try await self.connection.withClient { client in
            let password = try PasswordInput.read(prompt: "Password for \(self.username): ")
            let tokens = try await client.login(username: self.username, password: password)
            try CredentialsFile.standard.save(tokens, for: self.connection.server)
            print("logged in to \(self.connection.server) as \(self.username)")
        }
    }
}

struct LogoutCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logout",
        abstract: "End the stored login to this server and forget its tokens."
    )

    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        let credentials = CredentialsFile.standard
        guard let tokens = credentials.tokens(for: self.connection.server) else {
            print("not logged in to \(self.connection.server)")
            return
        }
        try await self.connection.withClient { client in
            // A login the server no longer knows is over anyway; forget it either way.
            do {
                try await client.logout(refreshToken: tokens.refreshToken)
            } catch let error as RPCStatus where error.code == .unauthenticated {}
            try credentials.save(nil, for: self.connection.server)
            print("logged out of \(self.connection.server)")
        }
    }
}
