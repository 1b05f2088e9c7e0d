import ArgumentParser
import Codec
import Foundation
import HostSupport
import RPCClient

/// How to reach the daemon, and how to print; shared by every command.
struct ConnectionOptions: ParsableArguments {
    @Option(help: "The daemon's address, HOST:PORT.")
    var server = "127.0.0.1:7443"

    /// `--ca`, else `CATALOG_CA`, else the daemon's own certificate when run beside it.
    static let caSetting = FlagOrEnvironment(
        flag: "--ca",
        variable: "CATALOG_CA",
        default: "./.catalog/tls/cert.pem when it exists"
    )

    @Option(help: ArgumentHelp(Self.caSetting.help("PEM CA certificate to trust."), valueName: "path"))
    var ca: String?

    @Option(help: "PEM client certificate, for servers that require one (with --key).")
    var cert: String?

    @Option(help: "PEM private key of --cert.")
    var key: String?

    @Flag(help: "Print responses as protobuf JSON with the .proto field names.")
    var json = false

    func clientConfiguration() throws -> ClientConfiguration {
        try self.clientConfiguration(address: self.server, flag: "--server")
    }

    /// The configuration for `address` (HOST:PORT, an IPv6 host in brackets), with the TLS
    /// options of this command; `flag` names the option it came from, for the error.
    func clientConfiguration(address: String, flag: String) throws -> ClientConfiguration {
        guard let address = HostPort(address) else {
            throw ValidationError("\(flag) must be HOST:PORT, not \(address)")
        }
        guard (self.cert == nil) == (self.key == nil) else {
            throw ValidationError("--cert and --key go together")
        }
        return ClientConfiguration(host: address.host, port: address.port, security: self.security())
    }

    private func security() -> ClientConfiguration.Security {
        let defaultCA = "./.catalog/tls/cert.pem"
        let ca =
            Self.caSetting.text(flag: self.ca)?.text
            ?? (FileManager.default.fileExists(atPath: defaultCA) ? defaultCA : nil)
        switch (ca, self.cert, self.key) {
        case (let ca?, let cert?, let key?):
            return .mutualTLS(trustedCAPath: ca, certificatePath: cert, privateKeyPath: key)
        case (let ca?, _, _):
            return .tls(trustedCAPath: ca)
        default:
            return .tlsWithSystemRoots
        }
    }

    /// Who makes a command's calls.
    enum Caller {
        /// Nobody in particular: a GetProduct counts a view.
        case anonymous
        /// The admin of the stored login to this server; without one the command fails with a hint.
        case admin
        /// The stored login's admin when there is one, else anonymous: an admin reading products
        /// with the CLI is not counted as a viewer.
        case adminIfLoggedIn
    }

    /// Connects, runs `body`, and turns any failure into one line on stderr and exit status 1.
    ///
    /// An admin's calls carry the stored access token of this server, refreshed first when it
    /// has expired.
    func withClient(as caller: Caller = .anonymous, _ body: (CatalogClient) async throws -> Void) async throws {
        let configuration = try self.clientConfiguration()
        do {
            try await CatalogClient.withClient(configuration) { client in
                switch caller {
                case .anonymous:
                    break
                case .admin:
                    try await self.authenticate(client)
                case .adminIfLoggedIn:
                    if CredentialsFile.standard.tokens(for: self.server) != nil {
                        try await self.authenticate(client)
                    }
                }
                try await body(client)
            }
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
        } catch let error as PasswordInput.Failure {
            Output.fail(error.description)
        }
    }

    /// Sets the stored access token on `client`, refreshing (and storing) the pair first
    /// when the access token has expired or is about to.
    private func authenticate(_ client: CatalogClient) async throws {
        client.setAccessToken(try await CredentialsFile.standard.accessToken(for: self.server, refreshingWith: client))
    }
}
