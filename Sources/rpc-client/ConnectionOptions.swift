import ArgumentParser
import Codec
import Foundation
import RPCClient

/// How to reach the daemon, and how to print; shared by every command.
struct ConnectionOptions: ParsableArguments {
    @Option(help: "The daemon's address, HOST:PORT.")
    var server = "127.0.0.1:7443"

    @Option(help: "PEM CA certificate to trust. Default: $CATALOG_CA, then ./.catalog/tls/cert.pem when it exists.")
    var ca: String?

    @Flag(help: "Print responses as protobuf JSON with the .proto field names.")
    var json = false

    func clientConfiguration() throws -> ClientConfiguration {
        guard let colon = self.server.lastIndex(of: ":"),
            let port = Int(self.server[self.server.index(after: colon)...])
        else {
            throw ValidationError("--server must be HOST:PORT, not \(self.server)")
        }
        var host = String(self.server[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") {
            host = String(host.dropFirst().dropLast())
        }
        return ClientConfiguration(host: host, port: port, security: self.security())
    }

    private func security() -> ClientConfiguration.Security {
        let defaultCA = "./.catalog/tls/cert.pem"
        if let ca = self.ca ?? ProcessInfo.processInfo.environment["CATALOG_CA"].flatMap({ $0.isEmpty ? nil : $0 }) {
            return .tls(trustedCAPath: ca)
        }
        if FileManager.default.fileExists(atPath: defaultCA) {
            return .tls(trustedCAPath: defaultCA)
        }
        return .tlsWithSystemRoots
    }

    /// Connects, runs `body`, and turns any failure into one line on stderr and exit status 1.
    func withClient(_ body: (CatalogClient) async throws -> Void) async throws {
        let configuration = try self.clientConfiguration()
        do {
            try await CatalogClient.withClient(configuration, body)
        } catch let error as RPCStatus {
            Output.fail(
                "\(error.code.name): \(error.message)",
                details: error.fieldViolations.map { "\($0.field): \($0.description)" }
            )
        } catch let error as ConnectError {
            switch error.kind {
            case .untrustedCertificate:
                Output.fail(
                    "UNAVAILABLE: \(error.detail); pass the daemon's certificate with --ca PATH "
                        + "(its <data-dir>/tls/cert.pem) or set CATALOG_CA"
                )
            case .unreachable, .handshakeFailed:
                Output.fail("UNAVAILABLE: \(error.detail)")
            }
        }
    }
}
