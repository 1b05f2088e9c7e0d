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
            #expect(try await Self.health(port: port, caPath: daemon.caPath) == .serving)
            #expect(try await daemon.terminate() == 0)
        }
    }

    @Test func rpcClientAsksTheStandardHealthOverGRPC() async throws {
        try await withTemporaryDirectory { directory in
            let daemon = try await DaemonProcess(workingDirectory: directory)
            let grpc = ["--grpc", "--grpc-server", "127.0.0.1:\(try await daemon.grpcPort())", "--ca", daemon.caPath]
            let serving = try await runClient(["health"] + grpc, in: directory)
            #expect(serving.status == 0)
            #expect(serving.stdout == "SERVING\n")
            let json = try await runClient(
                ["health", "--json", "--service", "catalog.v1.ProductService"] + grpc,
                in: directory
            )
            #expect(json.stdout == #"{"status":"SERVING"}"# + "\n")
            let unknown = try await runClient(["health", "--service", "catalog.v1.Nope"] + grpc, in: directory)
            #expect(unknown.status == 1)
            #expect(unknown.stderr == "error: NOT_FOUND: unknown service catalog.v1.Nope\n")
            #expect(try await daemon.terminate() == 0)
            // Nobody listens any more: UNAVAILABLE at once, not a hang.
            let gone = try await runClient(["health"] + grpc, in: directory)
            #expect(gone.status == 1)
            #expect(gone.stderr.hasPrefix("error: UNAVAILABLE: "), "\(gone.stderr)")
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
            #expect(try await Self.health(port: try await daemon.grpcPort(), caPath: nil) == .serving)
            #expect(try await daemon.terminate() == 0)
        }
        try await withTemporaryDirectory { directory in
            let daemon = try await DaemonProcess(workingDirectory: directory, arguments: ["--grpc-listen", "off"])
            #expect(try await daemon.terminate() == 0)
            #expect(!daemon.output.value.contains("gRPC"))
        }
    }

    /// The framing's Health, called over gRPC by grpc-swift's client.
    private static func health(port: Int, caPath: String?) async throws -> Catalog_V1_HealthCheckResponse.ServingStatus
    {
        try await withGRPCClient(port: port, caPath: caPath) { client in
            try await client.call(
                CatalogMethod.healthCheck,
                Catalog_V1_HealthCheckRequest(),
                returning: Catalog_V1_HealthCheckResponse.self
            ).status
        }
    }
}
