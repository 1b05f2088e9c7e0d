import Foundation
import Logging
import TestSupport
import Testing

@testable import Daemon

/// The start's choices that need no network: which certificate is served.
@Suite struct DaemonLaunchTests {
    @Test func aSelfSignedPairIsMadeOnceInTheDataDirectory() async throws {
        try await withTemporaryDirectory { directory in
            let first = try #require(
                try DaemonLaunch.tlsFiles(
                    .selfSigned(clientCAPath: "ca.pem"),
                    dataDir: directory,
                    logger: Logger(label: "test")
                )
            )
            #expect(first.certificatePath == directory + "/tls/cert.pem")
            #expect(first.clientCAPath == "ca.pem")
            let certificate = try Data(contentsOf: URL(fileURLWithPath: first.certificatePath))
            let second = try DaemonLaunch.tlsFiles(
                .selfSigned(clientCAPath: nil),
                dataDir: directory,
                logger: Logger(label: "test")
            )
            #expect(try Data(contentsOf: URL(fileURLWithPath: try #require(second).certificatePath)) == certificate)
        }
    }

    @Test func givenFilesAreServedAsGivenAndPlaintextServesNone() throws {
        let files = DaemonConfiguration.TLSFiles(certificatePath: "c.pem", privateKeyPath: "k.pem")
        let served = try DaemonLaunch.tlsFiles(.files(files), dataDir: "/nonexistent", logger: Logger(label: "test"))
        #expect(served?.certificatePath == "c.pem")
        #expect(try DaemonLaunch.tlsFiles(.plaintext, dataDir: "/nonexistent", logger: Logger(label: "test")) == nil)
    }
}
