import Foundation

/// Where and how the client connects.
public struct ClientConfiguration: Sendable {
    public enum Security: Sendable {
        /// TLS, trusting the CA certificates in this PEM file (the daemon's own `tls/cert.pem`
        /// when it made a self-signed one).
        case tls(trustedCAPath: String)
        /// TLS, trusting the system's roots.
        case tlsWithSystemRoots
        /// TLS with a client certificate, for servers that require one.
        case mutualTLS(trustedCAPath: String, certificatePath: String, privateKeyPath: String)
        /// No TLS; only for servers run with --plaintext.
        case plaintext
    }

    public var host: String
    public var port: Int
    public var security: Security
    /// The deadline of a call that gives none.
    var defaultTimeout: Duration = .seconds(30)
    public var connectTimeout: Duration = .seconds(10)
    /// The largest frame accepted from the server; a larger one fails the connection
    /// (RESOURCE_EXHAUSTED) before it is buffered.
    public var maxFrameSize = 4 * 1024 * 1024

    public init(host: String, port: Int, security: Security) {
        self.host = host
        self.port = port
        self.security = security
    }
}

/// Why the client could not connect.
public struct ConnectError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable {
        /// Nothing answered at the address, or it refused.
        case unreachable
        /// The server's certificate is not signed by a trusted CA or does not name the host.
        case untrustedCertificate
        /// The TLS handshake failed for another reason (protocol, ALPN, client certificate).
        case handshakeFailed
    }

    public var kind: Kind
    public var detail: String

    public var description: String { self.detail }
}
