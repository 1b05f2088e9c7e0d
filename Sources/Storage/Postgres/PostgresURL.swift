import Foundation
import NIOCore
import NIOSSL
import PostgresNIO

/// A `postgres://user:password@host:port/database?sslmode=...` URL, as libpq reads it.
///
/// `sslmode` keeps libpq's meanings: `disable`; `prefer` (the default: TLS when the server
/// offers it, unverified); `require` (TLS, unverified); `verify-ca` (TLS, the chain checked
/// against `sslrootcert` or the system roots); `verify-full` (and the host name too).
public struct PostgresURL: Sendable, CustomStringConvertible {
    public enum SSLMode: String, Sendable, CaseIterable {
        case disable, prefer, require
        case verifyCA = "verify-ca"
        case verifyFull = "verify-full"
    }

    public var host: String
    public var port: Int
    public var username: String
    public var password: String?
    public var database: String
    public var sslMode: SSLMode
    /// PEM file of the CA certificates that sign the server's, for verify-ca and verify-full.
    var sslRootCertificatePath: String?

    /// - Throws: `PostgresURLError` naming what is wrong, never echoing the password.
    public init(_ text: String) throws {
        guard text.hasPrefix("postgres://") || text.hasPrefix("postgresql://"),
            let components = URLComponents(string: text)
        else {
            throw PostgresURLError("must look like postgres://user:password@host:port/database")
        }
        guard let host = components.host, !host.isEmpty else {
            throw PostgresURLError("has no host")
        }
        guard let username = components.user, !username.isEmpty else {
            throw PostgresURLError("has no user name")
        }
        self.host = host
        self.port = components.port ?? 5432
        self.username = username.removingPercentEncoding ?? username
        self.password = components.password.map { $0.removingPercentEncoding ?? $0 }
        let database = String(components.path.drop(while: { $0 == "/" }))
        self.database = database.isEmpty ? self.username : (database.removingPercentEncoding ?? database)
        self.sslMode = .prefer
        for item in components.queryItems ?? [] {
            switch item.name {
            case "sslmode":
                guard let mode = item.value.flatMap(SSLMode.init(rawValue:)) else {
                    let modes = SSLMode.allCases.map(\.rawValue).joined(separator: ", ")
                    throw PostgresURLError("sslmode must be one of \(modes)")
                }
                self.sslMode = mode
            case "sslrootcert":
                self.sslRootCertificatePath = item.value
            default:
                throw PostgresURLError("has an unknown parameter \(item.name) (known: sslmode, sslrootcert)")
            }
        }
    }

    /// The URL without its password, for logs and messages.
    public var description: String {
        let credentials = self.password == nil ? self.username : "\(self.username):***"
        return "postgres://\(credentials)@\(self.host):\(self.port)/\(self.database)?sslmode=\(self.sslMode.rawValue)"
    }

    /// The name sent in SNI and checked against the certificate: the host, unless it is an IP
    /// address, which SNI cannot carry (the certificate is then checked against the address).
    var tlsServerName: String? {
        (try? SocketAddress(ipAddress: self.host, port: 0)) == nil ? self.host : nil
    }

    /// The TLS of the connection pool.
    func clientTLS() -> PostgresClient.Configuration.TLS {
        switch self.tlsPolicy() {
        case nil: .disable
        case (let configuration, required: true)?: .require(configuration)
        case (let configuration, required: false)?: .prefer(configuration)
        }
    }

    /// The configuration of a single connection, outside the pool.
    func connectionConfiguration(timeout: Duration) throws -> PostgresConnection.Configuration {
        var configuration = PostgresConnection.Configuration(
            host: self.host,
            port: self.port,
            username: self.username,
            password: self.password,
            database: self.database,
            tls: try self.connectionTLS()
        )
        // A little past the caller's own deadline, which then reports the wait for what it was.
        configuration.options.connectTimeout = .init(timeout + .seconds(1))
        configuration.options.tlsServerName = self.tlsServerName
        return configuration
    }

    /// The TLS of a single connection.
    private func connectionTLS() throws -> PostgresConnection.Configuration.TLS {
        switch self.tlsPolicy() {
        case nil: .disable
        case (let configuration, required: true)?: .require(try NIOSSLContext(configuration: configuration))
        case (let configuration, required: false)?: .prefer(try NIOSSLContext(configuration: configuration))
        }
    }

    /// What `sslmode` asks for: no TLS (`nil`), or TLS with this configuration, required or preferred.
    private func tlsPolicy() -> (TLSConfiguration, required: Bool)? {
        var configuration = TLSConfiguration.makeClientConfiguration()
        // Closing waits this long for the server's close_notify. A backend waiting on a lock
        // reads nothing, so with NIOSSL's default (5 s) a drain that abandoned such a statement
        // went on 5 s past its own timeout; nothing is read after the close anyway.
        configuration.shutdownTimeout = .milliseconds(250)
        if let path = self.sslRootCertificatePath {
            configuration.trustRoots = .file(path)
        }
        switch self.sslMode {
        case .disable:
            return nil
        case .prefer:
            configuration.certificateVerification = .none
            return (configuration, required: false)
        case .require:
            configuration.certificateVerification = .none
            return (configuration, required: true)
        case .verifyCA:
            configuration.certificateVerification = .noHostnameVerification
            return (configuration, required: true)
        case .verifyFull:
            configuration.certificateVerification = .fullVerification
            return (configuration, required: true)
        }
    }
}

/// A database URL that cannot be used; the message never holds the password.
struct PostgresURLError: Error, CustomStringConvertible {
    public var description: String

    init(_ problem: String) {
        self.description = "the PostgreSQL URL \(problem)"
    }
}
