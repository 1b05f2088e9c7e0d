import Codec
import NIOSSL

/// The server's TLS settings: one `NIOSSLContext` built at start and shared by every connection.
public enum ServerTLS {
    /// A context serving the PEM certificate chain and key at these paths, TLS 1.2 or newer,
    /// ALPN `catalog-rpc/1`, and, when `clientCAPath` is given, requiring client certificates
    /// signed by that CA.
    public static func makeContext(
        certificatePath: String,
        privateKeyPath: String,
        clientCAPath: String? = nil
    ) throws -> NIOSSLContext {
        let chain = try NIOSSLCertificate.fromPEMFile(certificatePath).map { NIOSSLCertificateSource.certificate($0) }
        let key = try NIOSSLPrivateKey(file: privateKeyPath, format: .pem)
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain,
            privateKey: .privateKey(key)
        )
        configuration.minimumTLSVersion = .tlsv12
        configuration.applicationProtocols = [CatalogALPN.protocolID]
        if let clientCAPath {
            // Clients present certificates, not host names: check the chain only.
            configuration.certificateVerification = .noHostnameVerification
            configuration.trustRoots = .file(clientCAPath)
        }
        return try NIOSSLContext(configuration: configuration)
    }
}
