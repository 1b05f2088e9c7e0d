import Foundation
import TestSupport
import Testing

/// `rpc-client` against a real daemon, as an admin types it.
@Suite struct CLITests {
    @Test func healthAndAnEmptyListWithTheDefaultCA() async throws {
        try await withTemporaryDirectory { directory in
            let daemon = try await DaemonProcess(workingDirectory: directory)
            let server = ["--server", "127.0.0.1:\(daemon.port)"]

            // Run where the daemon ran: the CA defaults to ./.catalog/tls/cert.pem.
            let health = try await runClient(["health"] + server, in: directory)
            #expect(health.status == 0)
            #expect(health.stdout == "SERVING\n")

            let list = try await runClient(["products", "list"] + server, in: directory)
            #expect(list.status == 0)
            #expect(list.stdout.hasPrefix("SKU"))
            #expect(list.stdout.split(separator: "\n").count == 1, "a header and no rows")

            let json = try await runClient(["products", "list", "--json"] + server, in: directory)
            #expect(json.stdout == "{\"next_page_token\":\"\",\"products\":[]}\n")

            #expect(try await daemon.terminate() == 0)
        }
    }

    @Test func failuresPrintTheStatusAndExitNonZero() async throws {
        try await withTemporaryDirectory { directory in
            let daemon = try await DaemonProcess(workingDirectory: directory)
            let server = ["--server", "127.0.0.1:\(daemon.port)"]

            let invalid = try await runClient(["products", "get", "not-a-uuid"] + server, in: directory)
            #expect(invalid.status != 0)
            #expect(invalid.stderr.hasPrefix("error: INVALID_ARGUMENT:"))
            #expect(invalid.stdout.isEmpty)

            let missing = try await runClient(["products", "get", UUID().uuidString] + server, in: directory)
            #expect(missing.status != 0)
            #expect(missing.stderr.hasPrefix("error: NOT_FOUND:"))

            #expect(try await daemon.terminate() == 0)
        }
    }

    @Test func anUntrustedCertificateSaysWhichCAToPass() async throws {
        try await withTemporaryDirectory { directory in
            try FileManager.default.createDirectory(atPath: directory + "/daemon-a", withIntermediateDirectories: true)
            let daemon = try await DaemonProcess(workingDirectory: directory + "/daemon-a")
            try await withTemporaryDirectory { elsewhere in
                // Another daemon's certificate stands in for a wrong CA.
                let other = try await DaemonProcess(workingDirectory: elsewhere)
                let result = try await runClient(
                    ["health", "--server", "127.0.0.1:\(daemon.port)", "--ca", other.caPath],
                    in: elsewhere
                )
                #expect(result.status != 0)
                #expect(result.stderr.contains("not trusted"))
                #expect(result.stderr.contains("--ca"))
                #expect(try await other.terminate() == 0)
            }
            let refused = try await runClient(["health", "--server", "127.0.0.1:1"], in: directory)
            #expect(refused.status != 0)
            #expect(refused.stderr.hasPrefix("error: UNAVAILABLE:"))
            #expect(try await daemon.terminate() == 0)
        }
    }

    /// README: `rpc-client [--server HOST:PORT] [--ca PATH] [--cert PATH --key PATH] [--json]`, then
    /// the command. The connection options go before the command, after it, or between its words.
    @Test func theReadmeSynopsisWorksLiterally() async throws {
        try await withTemporaryDirectory { directory in
            let daemon = try await DaemonProcess(workingDirectory: directory)
            let environment = ["HOME": directory + "/home", "CATALOG_PASSWORD": try daemon.initialPassword]
            let options = ["--server", "127.0.0.1:\(daemon.port)", "--ca", daemon.caPath]

            let login = try await runClient(
                options + ["--json", "login", "--username", "admin"],
                in: directory,
                environment: environment
            )
            #expect(login.status == 0, "\(login.stderr)")
            for arguments in [
                options + ["--json", "products", "list"],
                ["products"] + options + ["--json", "list"],
                ["products", "list"] + options + ["--json"],
                ["--json", "products"] + options + ["list"],
            ] {
                let list = try await runClient(arguments, in: directory, environment: environment)
                #expect(list.status == 0, "\(arguments): \(list.stderr)")
                #expect(list.stdout == "{\"next_page_token\":\"\",\"products\":[]}\n", "\(arguments)")
            }
            let health = try await runClient(options + ["health"], in: directory)
            #expect(health.stdout == "SERVING\n")
            let help = try await runClient(["--help"], in: directory)
            #expect(help.stdout.contains("--server <server>"), "the root's help lists the connection options")
            #expect(try await daemon.terminate() == 0)
        }
    }

    /// An admin reading products with the CLI is not a viewer: reads carry the stored login;
    /// `--anonymous` reads as anyone would, and counts.
    @Test func anAdminsReadsCountNoViewsUnlessAnonymous() async throws {
        try await withTemporaryDirectory { directory in
            let daemon = try await DaemonProcess(workingDirectory: directory)
            let environment = ["HOME": directory + "/home", "CATALOG_PASSWORD": try daemon.initialPassword]
            let options = ["--server", "127.0.0.1:\(daemon.port)", "--ca", daemon.caPath]
            @Sendable func client(_ arguments: [String]) async throws -> String {
                let run = try await runClient(options + arguments, in: directory, environment: environment)
                #expect(run.status == 0, "\(arguments): \(run.stderr)")
                return run.stdout
            }
            _ = try await client(["login", "--username", "admin"])
            let created = try await client([
                "--json", "products", "create", "--name", "Lamp", "--brand", "Acme", "--price", "1",
            ])
            let sku = try #require(
                (try JSONSerialization.jsonObject(with: Data(created.utf8)) as? [String: Any])?["sku"] as? String
            )
            for _ in 0..<3 {
                _ = try await client(["products", "get", sku])
                _ = try await client(["products", "list"])
            }
            _ = try await client(["products", "get", "--anonymous", sku])
            _ = try await client(["products", "get", "--anonymous", sku])
            // Views reach the answer at the next flush (every second by default).
            try await eventually("the anonymous views to be flushed") {
                let shown = try await client(["--json", "products", "get", sku])
                let views = (try JSONSerialization.jsonObject(with: Data(shown.utf8)) as? [String: Any])?["views"]
                return "\(views ?? "0")" == "2"
            }
            #expect(try await daemon.terminate() == 0)
        }
    }
}
