public import RPCServer
public import Telemetry

/// Everything the daemon's services are made from that is a setting, resolved from flags and
/// environment by the executable: a value with the daemon's defaults.
public struct DaemonConfiguration: Sendable {
    /// The certificate both listeners serve, and the CA that signs client certificates.
    public struct TLSFiles: Sendable {
        public var certificatePath: String
        public var privateKeyPath: String
        /// With it, only clients with a certificate it signed are served (mutual TLS).
        public var clientCAPath: String?

        public init(certificatePath: String, privateKeyPath: String, clientCAPath: String? = nil) {
            self.certificatePath = certificatePath
            self.privateKeyPath = privateKeyPath
            self.clientCAPath = clientCAPath
        }
    }

    /// An IP address and port.
    public struct Address: Sendable {
        public var host: String
        public var port: Int

        public init(host: String, port: Int) {
            self.host = host
            self.port = port
        }
    }

    /// The framing's listener and the limits both listeners apply.
    public var server = ServerConfiguration()
    /// The standard gRPC listener; `nil` serves none.
    public var grpc: Address? = Address(host: "127.0.0.1", port: 7444)
    /// `nil` serves plaintext, behind a TLS-terminating proxy only.
    public var tls: TLSFiles?
    /// The metrics and probes listener; `nil` serves none (and counts nothing).
    public var metrics: MetricsHTTPServer.Configuration?
    public var viewFlushInterval: Duration = .seconds(1)
    /// How long hourly view buckets are kept before they are folded into daily ones.
    public var viewHoursRetention: Int64 = 90 * 86_400
    /// How often the admins are re-read on SQLite (PostgreSQL's change feed carries them at once).
    public var identitySyncInterval: Duration = .seconds(2)

    public init() {}
}
