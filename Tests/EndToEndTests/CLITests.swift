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
}
