import Foundation
import TestSupport
import Testing

/// The first session of a new operator, with the shipped executables only.
@Suite struct AdminWorkflowTests {
    private func json(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    @Test func firstStartLoginProductsAndASecondAdmin() async throws {
        try await withTemporaryDirectory { directory in
            let daemon = try await DaemonProcess(workingDirectory: directory)
            let passwordFile = directory + "/.catalog/initial-admin-password"
            let password = try String(contentsOfFile: passwordFile, encoding: .utf8).trimmingCharacters(in: .newlines)
            let mode = (try FileManager.default.attributesOfItem(atPath: passwordFile)[.posixPermissions] as? NSNumber)?
                .intValue
            #expect(mode == 0o600)
            #expect(daemon.output.value.contains("password: \(password)"), "printed once at first start")

            let home = ["HOME": directory + "/home"]
            let server = ["--server", "127.0.0.1:\(daemon.port)"]
            func client(
                _ arguments: [String],
                password: String? = nil
            ) async throws -> (status: Int32, stdout: String, stderr: String) {
                var environment = home
                environment["CATALOG_PASSWORD"] = password
                return try await runClient(arguments + server, in: directory, environment: environment)
            }

            let login = try await client(["login", "--username", "admin"], password: password)
            #expect(login.status == 0, "\(login.stderr)")
            let credentials = directory + "/home/.config/catalog/credentials"
            let credentialsMode =
                (try FileManager.default.attributesOfItem(atPath: credentials)[.posixPermissions] as? NSNumber)?
                .intValue
            #expect(credentialsMode == 0o600)

            let created = try await client([
                "products", "create", "--name", "Desk lamp", "--brand", "Acme", "--price", "19.99", "--json",
            ])
            #expect(created.status == 0, "\(created.stderr)")
            let product = try self.json(created.stdout)
            let sku = try #require(product["sku"] as? String)
            #expect(product["price_cents"] as? String == "1999")
            #expect(product["currency"] as? String == "MXN")

            let listed = try await client(["products", "list"])
            #expect(listed.stdout.contains("Desk lamp"))
            #expect(listed.stdout.contains("19.99 MXN"))

            let updated = try await client(["products", "update", sku, "--price", "25.5", "--json"])
            #expect(try self.json(updated.stdout)["price_cents"] as? String == "2550")

            let badPrice = try await client(["products", "update", sku, "--price", "1.234"])
            #expect(badPrice.status != 0)

            let bob = try await client(
                ["admins", "create", "--username", "bob", "--email", "bob@example.com", "--json"],
                password: "bob's long password"
            )
            #expect(bob.status == 0, "\(bob.stderr)")
            #expect(try self.json(bob.stdout)["is_superuser"] as? Bool == false)

            #expect(try await client(["logout"]).status == 0)
            let loggedOut = try await client(["products", "delete", sku])
            #expect(loggedOut.status != 0)
            #expect(loggedOut.stderr.contains("UNAUTHENTICATED"))

            #expect(try await client(["login", "--username", "bob"], password: "bob's long password").status == 0)
            let renamed = try await client(["products", "update", sku, "--name", "Floor lamp", "--json"])
            #expect(try self.json(renamed.stdout)["name"] as? String == "Floor lamp")
            #expect(try await client(["products", "delete", sku]).status == 0)
            #expect(try await client(["products", "get", sku]).stderr.contains("NOT_FOUND"))

            #expect(try await daemon.terminate() == 0)
        }
    }

    @Test func theClientRefreshesAnExpiredAccessTokenByItself() async throws {
        try await withTemporaryDirectory { directory in
            // Access tokens of one second: the client refreshes before every call.
            let daemon = try await DaemonProcess(
                workingDirectory: directory,
                arguments: ["--access-token-lifetime", "1"]
            )
            let password = try String(contentsOfFile: directory + "/.catalog/initial-admin-password", encoding: .utf8)
                .trimmingCharacters(in: .newlines)
            let environment = ["HOME": directory + "/home"]
            let server = ["--server", "127.0.0.1:\(daemon.port)"]
            let credentials = directory + "/home/.config/catalog/credentials"
            var loginEnvironment = environment
            loginEnvironment["CATALOG_PASSWORD"] = password
            #expect(
                try await runClient(
                    ["login", "--username", "admin"] + server,
                    in: directory,
                    environment: loginEnvironment
                ).status == 0
            )
            let before = try String(contentsOfFile: credentials, encoding: .utf8)
            for _ in 0..<3 {
                let list = try await runClient(["admins", "list"] + server, in: directory, environment: environment)
                #expect(list.status == 0, "\(list.stderr)")
            }
            #expect(
                try String(contentsOfFile: credentials, encoding: .utf8) != before,
                "the rotated tokens were stored"
            )
            #expect(try await daemon.terminate() == 0)
        }
    }

    @Test func hostSubcommandsManageSuperusers() async throws {
        try await withTemporaryDirectory { directory in
            let daemon = try await DaemonProcess(workingDirectory: directory)
            let server = ["--server", "127.0.0.1:\(daemon.port)"]
            let home = directory + "/home"
            let initial = try String(contentsOfFile: directory + "/.catalog/initial-admin-password", encoding: .utf8)
                .trimmingCharacters(in: .newlines)

            let created = try await runCatalogd(
                ["create-superuser", "--username", "root", "--email", "root@example.com"],
                in: directory,
                environment: ["CATALOG_PASSWORD": "root's long password"]
            )
            #expect(created.status == 0, "\(created.output)")
            let rootLogin = try await runClient(
                ["login", "--username", "root"] + server,
                in: directory,
                environment: ["HOME": home, "CATALOG_PASSWORD": "root's long password"]
            )
            #expect(rootLogin.status == 0, "\(rootLogin.stderr)")

            // Log in as admin, then change admin's password on the host: the file goes, and the
            // running daemon ends the old login within its re-read interval.
            _ = try await runClient(
                ["login", "--username", "admin"] + server,
                in: directory,
                environment: ["HOME": home, "CATALOG_PASSWORD": initial]
            )
            let changed = try await runCatalogd(
                ["set-password", "--username", "admin"],
                in: directory,
                environment: ["CATALOG_PASSWORD": "admin's new long password"]
            )
            #expect(changed.status == 0, "\(changed.output)")
            #expect(!FileManager.default.fileExists(atPath: directory + "/.catalog/initial-admin-password"))
            try await eventually("the old login to end", limit: .seconds(15)) {
                let list = try await runClient(["admins", "list"] + server, in: directory, environment: ["HOME": home])
                return list.stderr.contains("UNAUTHENTICATED")
            }
            let newLogin = try await runClient(
                ["login", "--username", "admin"] + server,
                in: directory,
                environment: ["HOME": home, "CATALOG_PASSWORD": "admin's new long password"]
            )
            #expect(newLogin.status == 0)

            let weak = try await runCatalogd(
                ["set-password", "--username", "admin"],
                in: directory,
                environment: ["CATALOG_PASSWORD": "short"]
            )
            #expect(weak.status != 0)
            #expect(weak.output.contains("12 to 1024"))
            #expect(try await daemon.terminate() == 0)
        }
    }
}
