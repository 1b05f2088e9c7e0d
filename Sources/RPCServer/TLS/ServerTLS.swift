public import Codec
import Foundation
public import NIOSSL

/// The server's TLS settings: one `NIOSSLContext` built at start and shared by every connection.
public enum ServerTLS {
    /// A context serving the PEM certificate chain and key at these paths, TLS 1.2 or newer,
    /// ALPN `applicationProtocols` (the framing's `catalog-rpc/1` unless told), and, when
    /// `clientCAPath` is given, requiring client certificates signed by that CA.
    /// - Throws: `ServerTLSError`, naming the file that could not be read or used.
    public static func makeContext(
        certificatePath: String,
        privateKeyPath: String,
        clientCAPath: String? = nil,
        applicationProtocols: [String] = [CatalogALPN.protocolID]
    ) throws -> NIOSSLContext {
        let chain = try ServerTLSError.File.certificateChain.load(certificatePath) {
            try NIOSSLCertificate.fromPEMFile(certificatePath).map { NIOSSLCertificateSource.certificate($0) }
        }
        let key = try ServerTLSError.File.privateKey.load(privateKeyPath) {
            try NIOSSLPrivateKey(file: privateKeyPath, format: .pem)
        }
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain,
            privateKey: .privateKey(key)
        )
        configuration.minimumTLSVersion = .tlsv12
        configuration.applicationProtocols = applicationProtocols
        if let clientCAPath {
            // Read now, not at the first client's handshake: a bad file fails the start.
            let roots = try ServerTLSError.File.clientCA.load(clientCAPath) {
                try NIOSSLCertificate.fromPEMFile(clientCAPath)
            }
            // Clients present certificates, not host names: check the chain only.
            configuration.certificateVerification = .noHostnameVerification
            configuration.trustRoots = .certificates(roots)
        }
        return try NIOSSLContext(configuration: configuration)
    }
}

/// A TLS file the server cannot use: which one, where, and why, in words for the operator.
public struct ServerTLSError: Error, CustomStringConvertible {
    public enum File: String, Sendable {
        case certificateChain = "certificate chain"
        case privateKey = "private key"
        case clientCA = "client CA"

        /// Runs `parse` on the file at `path`, which must be readable; either failure is this file's.
        func load<Value>(_ path: String, _ parse: () throws -> Value) throws -> Value {
            guard let handle = fopen(path, "r") else {
                throw ServerTLSError(file: self, path: path, reason: String(cString: strerror(errno)).lowercased())
            }
            fclose(handle)
            do {
                return try parse()
            } catch {
                throw ServerTLSError(file: self, path: path, reason: "not a PEM \(self.rawValue) (\(error))")
            }
        }
    }

    public var file: File
    public var path: String
    public var reason: String

    public var description: String { "cannot use the \(self.file.rawValue) \(self.path): \(self.reason)" }
}
