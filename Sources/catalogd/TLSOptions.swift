import ArgumentParser
import Daemon

/// The certificate both listeners serve, and the clients they require.
struct TLSOptions: ParsableArguments {
    @Option(help: "PEM certificate chain to serve (with --tls-key). Default: a self-signed pair in <data-dir>/tls/.")
    var tlsCert: String?

    @Option(help: "PEM private key of --tls-cert.")
    var tlsKey: String?

    @Option(help: "Require client certificates signed by this PEM CA (mutual TLS).")
    var tlsClientCa: String?

    @Flag(help: "Serve without TLS. Only behind a TLS-terminating proxy.")
    var plaintext = false

    func validate() throws {
        guard (self.tlsCert == nil) == (self.tlsKey == nil) else {
            throw ValidationError("--tls-cert and --tls-key go together")
        }
        guard !(self.plaintext && (self.tlsCert != nil || self.tlsClientCa != nil)) else {
            throw ValidationError("--plaintext cannot be combined with TLS options")
        }
    }

    var choice: DaemonLaunch.TLS {
        if self.plaintext {
            return .plaintext
        }
        if let certificate = self.tlsCert, let key = self.tlsKey {
            return .files(.init(certificatePath: certificate, privateKeyPath: key, clientCAPath: self.tlsClientCa))
        }
        return .selfSigned(clientCAPath: self.tlsClientCa)
    }
}
