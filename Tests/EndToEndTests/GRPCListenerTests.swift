import Codec
import GRPCCore
import TestSupport
import Testing

/// `catalogd serve --grpc-listen`: the standard gRPC listener of the real daemon.
@Suite struct GRPCListenerTests {
    @Test func theDaemonServesGRPCWithItsOwnCertificate() async throws {
        try await withTemporaryDirectory { directory in
            let daemon = try await DaemonProcess(workingDirectory: directory)
            let port = try await daemon.grpcPort()
            #expect(port != daemon.port)
            let health = try await withGRPCClient(port: port, caPath: daemon.caPath) { client in
                try await client.call(
                    CatalogMethod.healthCheck,
                    Catalog_V1_HealthCheckRequest(),
                    returning: Catalog_V1_HealthCheckResponse.self
                )
            }
            #expect(health.status == .serving)
            #expect(try await daemon.terminate() == 0)
        }
    }

    @Test func aNameIsNotAnAddressToListenOn() async throws {
        try await withTemporaryDirectory { directory in
            let run = try await runCatalogd(["serve", "--grpc-listen", "localhost:7444"], in: directory)
            #expect(run.status != 0)
            #expect(run.output.contains("--grpc-listen"), "\(run.output)")
        }
    }

    @Test func plaintextAppliesToBothListenersAndOffTurnsGRPCOff() async throws {
        try await withTemporaryDirectory { directory in
            let daemon = try await DaemonProcess(workingDirectory: directory, arguments: ["--plaintext"])
            let health = try await withGRPCClient(port: try await daemon.grpcPort(), caPath: nil) { client in
                try await client.call(
                    CatalogMethod.healthCheck,
                    Catalog_V1_HealthCheckRequest(),
                    returning: Catalog_V1_HealthCheckResponse.self
                )
            }
            #expect(health.status == .serving)
            #expect(try await daemon.terminate() == 0)
        }
        try await withTemporaryDirectory { directory in
            let daemon = try await DaemonProcess(workingDirectory: directory, arguments: ["--grpc-listen", "off"])
            #expect(try await daemon.terminate() == 0)
            #expect(!daemon.output.value.contains("gRPC"))
        }
    }
}
