import Foundation
import RPCClient
import TestSupport
import Testing

@Suite struct NotificationRecoveryTests {
    @Test func anEmailOfAChangeAcknowledgedBeforeACrashIsDeliveredAfterTheRestart() async throws {
        try await withTemporaryDirectory { directory in
            // A port with no mail server behind it yet, kept from other tests until it has one.
            let reservation = try PortReservation()
            let port = reservation.port
            let arguments = [
                "--smtp-url", "smtp://127.0.0.1:\(port)", "--smtp-starttls", "off",
                "--notify-retry-initial", "0.2", "--notify-retry-max", "1",
            ]

            let first = try await DaemonProcess(workingDirectory: directory, arguments: arguments)
            let sku = try await CatalogClient.withClient(first.clientConfiguration()) { client in
                let tokens = try await client.login(username: "admin", password: try first.initialPassword)
                client.setAccessToken(tokens.accessToken)
                _ = try await client.createAdmin(
                    username: "bob",
                    password: "bob's long password",
                    email: "bob@example.com"
                )
                return try await client.createProduct(name: "Lamp", brand: "Acme", priceCents: 1999).sku
            }
            // Acknowledged, not yet mailed (no server): now the daemon dies without any shutdown.
            try await first.crash()

            reservation.release()
            let smtp = try await SMTPTestServer(port: port)
            let second = try await DaemonProcess(workingDirectory: directory, arguments: arguments)
            let messages = try await smtp.waitForMessages(1)
            #expect(messages.map(\.rcptTos) == [["bob@example.com"]])
            #expect(messages.first?.header("Subject") == "[catalog] admin created product Lamp (\(sku))")

            let listed = try await CatalogClient.withClient(second.clientConfiguration()) { client in
                let tokens = try await client.login(username: "admin", password: try second.initialPassword)
                client.setAccessToken(tokens.accessToken)
                return try await client.listNotifications(status: .sent)
            }
            #expect(listed.notifications.count == 1)

            // What an operator sees with the CLI.
            let environment = ["HOME": directory + "/home", "CATALOG_PASSWORD": try second.initialPassword]
            let server = ["--server", "127.0.0.1:\(second.port)"]
            _ = try await runClient(["login", "--username", "admin"] + server, in: directory, environment: environment)
            let sent = try await runClient(
                ["notifications", "list", "--status", "sent"] + server,
                in: directory,
                environment: environment
            )
            #expect(sent.status == 0, "\(sent.stderr)")
            #expect(sent.stdout.contains("bob@example.com"))
            #expect(sent.stdout.contains("sent"))
            let failed = try await runClient(
                ["notifications", "list", "--status", "failed", "--json"] + server,
                in: directory,
                environment: environment
            )
            #expect(failed.stdout == "{\"next_page_token\":\"\",\"notifications\":[]}\n")
            #expect(try await second.terminate() == 0)
            try await smtp.stop()
        }
    }
}
