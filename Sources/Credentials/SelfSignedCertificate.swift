import Crypto
public import Foundation
import HostSupport
import SwiftASN1
import X509

/// A self-signed certificate for `localhost`, `127.0.0.1` and `::1`, made once so a fresh
/// daemon serves TLS without an operator's certificate.
public enum SelfSignedCertificate {
    public struct Files: Sendable {
        public var certificatePath: String
        public var privateKeyPath: String
    }

    /// What the certificate is for: a server, or a client of a server that requires client certificates.
    public enum Usage: Sendable {
        case server
        case client
    }

    /// The pair in `directory` (`cert.pem`, `key.pem`), made first if either is missing.
    /// The key file is created with mode 0600; the directory with 0700.
    public static func ensure(in directory: String, usage: Usage = .server, now: Date = Date()) throws -> Files {
        let files = Files(
            certificatePath: (directory as NSString).appendingPathComponent("cert.pem"),
            privateKeyPath: (directory as NSString).appendingPathComponent("key.pem")
        )
        let manager = FileManager.default
        if manager.fileExists(atPath: files.certificatePath), manager.fileExists(atPath: files.privateKeyPath) {
            return files
        }
        try manager.createDirectory(
            atPath: directory,
            withIntermediateDirectories: true,
            attributes: [.posixPermissions: 0o700]
        )
        let (certificatePEM, keyPEM) = try self.make(usage: usage, now: now)
        try SecretFile.write(keyPEM, to: files.privateKeyPath)
        try SecretFile.write(certificatePEM, to: files.certificatePath, mode: 0o644)
        return files
    }

    /// A new certificate and its private key, both PEM.
    public static func make(
        usage: Usage = .server,
        now: Date = Date()
    ) throws -> (certificate: String, privateKey: String) {
        let key = P256.Signing.PrivateKey()
        let name = try DistinguishedName {
            OrganizationName("catalogd")
            CommonName("catalogd self-signed")
        }
        let certificate = try Certificate(
            version: .v3,
            serialNumber: Certificate.SerialNumber(),
            publicKey: Certificate.PublicKey(key.publicKey),
            notValidBefore: now.addingTimeInterval(-3600),
            notValidAfter: now.addingTimeInterval(10 * 365 * 24 * 3600),
            issuer: name,
            subject: name,
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                // Clients trust this certificate directly as their root, so it is marked a CA
                // that may sign nothing below itself.
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
                Critical(KeyUsage(digitalSignature: true, keyCertSign: true))
                try ExtendedKeyUsage([usage == .server ? .serverAuth : .clientAuth])
                SubjectAlternativeNames([
                    .dnsName("localhost"),
                    .ipAddress(ASN1OctetString(contentBytes: [127, 0, 0, 1])),
                    .ipAddress(ASN1OctetString(contentBytes: ArraySlice(repeating: 0, count: 15) + [1])),
                ])
            },
            issuerPrivateKey: Certificate.PrivateKey(key)
        )
        return (try certificate.serializeAsPEM().pemString + "\n", key.pemRepresentation + "\n")
    }
}
