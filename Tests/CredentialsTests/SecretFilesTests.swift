import Credentials
import Foundation
import TestSupport
import Testing

@Suite struct SecretFilesTests {
    private func mode(_ path: String) throws -> Int? {
        (try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber)?.intValue
    }

    @Test func theTokenKeyIsMadeOnceWithMode0600() async throws {
        try await withTemporaryDirectory { directory async throws in
            let path = directory + "/token-key"
            let first = try TokenKey.load(environment: [:], fileInDataDir: path)
            #expect(first.count == 32)
            #expect(try self.mode(path) == 0o600)
            #expect(try TokenKey.load(environment: [:], fileInDataDir: path) == first)
        }
    }

    @Test func theEnvironmentKeyWinsAndMustBeLongEnough() async throws {
        try await withTemporaryDirectory { directory async throws in
            let key = [UInt8](repeating: 9, count: 32)
            let environment = [TokenKey.environmentVariable: Data(key).base64EncodedString()]
            #expect(try TokenKey.load(environment: environment, fileInDataDir: directory + "/token-key") == key)
            #expect(!FileManager.default.fileExists(atPath: directory + "/token-key"))
            #expect(throws: TokenKeyError.self) {
                _ = try TokenKey.load(
                    environment: [TokenKey.environmentVariable: Data([1, 2, 3]).base64EncodedString()],
                    fileInDataDir: directory + "/token-key"
                )
            }
        }
    }

    @Test func theSelfSignedCertificateIsMadeOnceWithAPrivateKey() async throws {
        try await withTemporaryDirectory { directory async throws in
            let first = try SelfSignedCertificate.ensure(in: directory + "/tls")
            let certificate = try String(contentsOfFile: first.certificatePath, encoding: .utf8)
            #expect(certificate.hasPrefix("-----BEGIN CERTIFICATE-----"))
            #expect(try self.mode(first.privateKeyPath) == 0o600)
            _ = try SelfSignedCertificate.ensure(in: directory + "/tls")
            #expect(
                try String(contentsOfFile: first.certificatePath, encoding: .utf8) == certificate,
                "reused, not remade"
            )
        }
    }
}
