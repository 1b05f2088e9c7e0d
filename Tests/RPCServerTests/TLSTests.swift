import Codec
import Credentials
import Foundation
import NIOCore
import NIOPosix
import RPCClient
import RPCServer
import TestSupport
import Testing

@Suite struct TLSTests {
    @Test func aPlaintextClientOnTheTLSPortGetsNoFrameAndIsClosed() async throws {
        try await withTestServer { server async throws in
            let connection = try await FrameConnection.connect(port: server.port, caPath: nil)
            try await connection.send(try .call(1, CatalogMethod.healthCheck, Catalog_V1_HealthCheckRequest()))
            #expect(try await connection.waitUntilClosed().isEmpty)
        }
    }

    @Test func aClientOfferingOnlyOtherProtocolsFailsTheHandshake() async throws {
        try await withTestServer { server async throws in
            let connection = try await FrameConnection.connect(port: server.port, caPath: server.caPath, alpn: ["h2"])
            try? await connection.send(try .call(1, CatalogMethod.healthCheck, Catalog_V1_HealthCheckRequest()))
            #expect(try await connection.waitUntilClosed().isEmpty)
        }
    }

    @Test(arguments: [[String](), [CatalogALPN.protocolID], ["h2", CatalogALPN.protocolID]])
    func clientsOfferingNoALPNOrOursAreServed(alpn: [String]) async throws {
        try await withTestServer { server async throws in
            let connection = try await FrameConnection.connect(port: server.port, caPath: server.caPath, alpn: alpn)
            try await connection.send(try .call(1, CatalogMethod.healthCheck, Catalog_V1_HealthCheckRequest()))
            #expect(try await connection.next()?.callID == 1)
            await connection.close()
        }
    }

    @Test func aHandshakeThatNeverStartsIsClosedAtTheTimeout() async throws {
        try await withTestServer(handshakeTimeout: .milliseconds(200)) { server async throws in
            // A raw TCP connection that sends nothing at all.
            let connection = try await FrameConnection.connect(port: server.port, caPath: nil)
            #expect(try await connection.waitUntilClosed(limit: .seconds(5)).isEmpty)
        }
    }

    @Test func anUntrustedServerIsReportedAsSuch() async throws {
        try await withTestServer { server async throws in
            let otherCA = FileManager.default.temporaryDirectory.appendingPathComponent("other-ca-\(UUID().uuidString)")
                .path
            defer { try? FileManager.default.removeItem(atPath: otherCA) }
            let files = try SelfSignedCertificate.ensure(in: otherCA)
            let configuration = ClientConfiguration(
                host: "127.0.0.1",
                port: server.port,
                security: .tls(trustedCAPath: files.certificatePath)
            )
            let error = await #expect(throws: ConnectError.self) {
                try await CatalogClient.withClient(configuration) { _ in }
            }
            #expect(error?.kind == .untrustedCertificate)
        }
    }

    @Test func aServerGivenAClientCARequiresACertificateItSigned() async throws {
        try await withTemporaryDirectory { directory in
            // A self-signed client certificate is its own CA.
            let client = try SelfSignedCertificate.ensure(in: directory + "/client", usage: .client)
            let stranger = try SelfSignedCertificate.ensure(in: directory + "/stranger", usage: .client)
            try await withTestServer(clientCAPath: client.certificatePath) { server async throws in
                func health(_ security: ClientConfiguration.Security) async throws -> ServingStatus {
                    let configuration = ClientConfiguration(host: "127.0.0.1", port: server.port, security: security)
                    return try await CatalogClient.withClient(configuration) { try await $0.health() }
                }
                let trusted = ClientConfiguration.Security.mutualTLS(
                    trustedCAPath: server.caPath,
                    certificatePath: client.certificatePath,
                    privateKeyPath: client.privateKeyPath
                )
                #expect(try await health(trusted) == .serving)
                // TLS 1.3 reports a refused client certificate after the handshake, on the first read.
                await #expect(throws: (any Error).self) { _ = try await health(.tls(trustedCAPath: server.caPath)) }
                let untrusted = ClientConfiguration.Security.mutualTLS(
                    trustedCAPath: server.caPath,
                    certificatePath: stranger.certificatePath,
                    privateKeyPath: stranger.privateKeyPath
                )
                await #expect(throws: (any Error).self) { _ = try await health(untrusted) }
            }
        }
    }

    @Test func theClientChecksTheNameItConnectsTo() async throws {
        // The client checks the name it connects to against the certificate.
        try await withTestServer { server async throws in
            for host in ["localhost", "127.0.0.1"] {
                let configuration = ClientConfiguration(
                    host: host,
                    port: server.port,
                    security: .tls(trustedCAPath: server.caPath)
                )
                #expect(try await CatalogClient.withClient(configuration) { try await $0.health() } == .serving)
            }
        }
    }
}

@Suite struct ClosedConnectionTests {
    @Test func aCallOnAClosedConnectionFailsAtOnceInsteadOfWaitingForever() async throws {
        try await withTestServer { server async throws in
            let configuration = ClientConfiguration(
                host: "127.0.0.1",
                port: server.port,
                security: .tls(trustedCAPath: server.caPath)
            )
            let client = try await CatalogClient.connect(configuration)
            await client.close()
            // The call's own deadline is an hour: only the failed write can end it.
            let status = try await withTimeout(.seconds(5), "the call on a closed connection to fail") {
                do {
                    _ = try await client.health(timeout: .seconds(3600))
                    return StatusCode.ok
                } catch let status as RPCStatus {
                    return status.code
                }
            }
            #expect(status == .unavailable)
        }
    }
}
