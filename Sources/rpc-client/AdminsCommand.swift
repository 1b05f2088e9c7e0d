import ArgumentParser
import HostSupport
import RPCClient

struct AdminsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "admins",
        abstract: "Manage admins (admins only; superusers are managed on the server host).",
        subcommands: [List.self, Get.self, Create.self, Update.self, Delete.self]
    )

    /// Accepted before the subcommand too (see `RPCClientCommand.connection`).
    @OptionGroup var connection: ConnectionOptions

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List admins, one page.")

        @OptionGroup var connection: ConnectionOptions

        @Option(help: "Admins per page, 1 to 1000 (default 50).")
        var pageSize: Int32 = 0

        @Option(help: "The next_page_token a previous page printed.")
        var pageToken = ""

        func run() async throws {
            try await self.connection.withClient(as: .admin) { client in
                let page = try await client.listAdmins(pageSize: self.pageSize, pageToken: self.pageToken)
                if self.connection.json {
                    try Output.printJSON(page)
                    return
                }
                AdminTable.print(page.admins)
                Output.printNextPageHint(page.nextPageToken)
            }
        }
    }

    struct Get: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one admin.")

        @OptionGroup var connection: ConnectionOptions

        @Argument(help: "The admin's id.")
        var id: String

        func run() async throws {
            try await self.connection.withClient(as: .admin) { client in
                try AdminTable.show(try await client.getAdmin(id: self.id), json: self.connection.json)
            }
        }
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create an admin.",
            discussion: "The new admin's password comes from CATALOG_PASSWORD, or is asked for without echo."
        )

        @OptionGroup var connection: ConnectionOptions

        @Option var username: String

        @Option(help: "Where product-change notifications go.")
        var email = ""

        func run() async throws {
            try await self.connection.withClient(as: .admin) { client in
                let password = try PasswordInput.read(prompt: "Password for \(self.username): ")
                let admin = try await client.createAdmin(username: self.username, password: password, email: self.email)
                try AdminTable.show(admin, json: self.connection.json)
            }
        }
    }

    struct Update: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Change an admin's username, email or password.",
            discussion: """
                With --password, the new password comes from CATALOG_PASSWORD or a prompt. Changing your \
                own password needs --current-password as well (CATALOG_CURRENT_PASSWORD or a prompt).
                """
        )

        @OptionGroup var connection: ConnectionOptions

        @Argument(help: "The admin's id.")
        var id: String

        @Option var username: String?
        @Option var email: String?

        @Flag(help: "Set a new password (read from CATALOG_PASSWORD or a prompt).")
        var password = false

        @Flag(help: "Send your current password, which changing your own needs (CATALOG_CURRENT_PASSWORD or a prompt).")
        var currentPassword = false

        func run() async throws {
            guard self.username != nil || self.email != nil || self.password else {
                throw ValidationError("nothing to change: pass --username, --email or --password")
            }
            try await self.connection.withClient(as: .admin) { client in
                let current =
                    self.currentPassword
                    ? try PasswordInput.read(
                        prompt: "Current password: ",
                        variable: PasswordInput.currentPasswordVariable
                    )
                    : nil
                let password = self.password ? try PasswordInput.read(prompt: "New password: ") : nil
                let admin = try await client.updateAdmin(
                    id: self.id,
                    username: self.username,
                    password: password,
                    email: self.email,
                    currentPassword: current
                )
                try AdminTable.show(admin, json: self.connection.json)
            }
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete an admin.")

        @OptionGroup var connection: ConnectionOptions

        @Argument(help: "The admin's id.")
        var id: String

        func run() async throws {
            try await self.connection.withClient(as: .admin) { client in
                try await client.deleteAdmin(id: self.id)
                print(self.connection.json ? "{}" : "deleted \(self.id)")
            }
        }
    }
}

enum AdminTable {
    static func print(_ admins: [Admin]) {
        Output.printTable(
            header: ["ID", "USERNAME", "EMAIL", "SUPERUSER", "UPDATED"],
            rows: admins.map { admin in
                [
                    admin.id, admin.username, admin.email, admin.isSuperuser ? "yes" : "no",
                    admin.updateTime.formatted(.iso8601),
                ]
            }
        )
    }

    static func show(_ admin: Admin, json: Bool) throws {
        if json {
            try Output.printJSON(admin)
        } else {
            self.print([admin])
        }
    }
}
