public import ArgumentParser
import RPCClient

struct NotificationsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "notifications",
        abstract: "See the product-change emails: what was delivered, what waits, what failed and why.",
        subcommands: [List.self]
    )

    /// Accepted before the subcommand too (see `RPCClientCommand.connection`).
    @OptionGroup var connection: ConnectionOptions

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List notifications, newest first (admins).")

        @OptionGroup var connection: ConnectionOptions

        @Option(help: "Only pending, sent or failed ones.")
        var status: NotificationEntry.Status?

        @Option(help: "Notifications per page, 1 to 1000 (default 50).")
        var pageSize: Int32 = 0

        @Option(help: "The next_page_token a previous page printed.")
        var pageToken = ""

        func run() async throws {
            try await self.connection.withClient(as: .admin) { client in
                let page = try await client.listNotifications(
                    status: self.status,
                    pageSize: self.pageSize,
                    pageToken: self.pageToken
                )
                if self.connection.json {
                    try Output.printJSON(page)
                    return
                }
                Output.printTable(
                    header: ["CREATED", "STATUS", "TRIES", "TO", "SUBJECT", "LAST ERROR"],
                    rows: page.notifications.map { entry in
                        [
                            entry.createTime.formatted(.iso8601), entry.status?.rawValue ?? "?", "\(entry.attempts)",
                            entry.recipient, entry.subject, entry.lastError,
                        ]
                    }
                )
                Output.printNextPageHint(page.nextPageToken)
            }
        }
    }
}

extension NotificationEntry.Status: ExpressibleByArgument {}
