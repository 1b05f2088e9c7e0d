import Codec
import Foundation
import RPCClient
import Synchronization
import TestSupport
import Testing

/// The gRPC listener of a real daemon, called by clients that are not ours: Python's grpcio,
/// grpcio-health-checking and grpcio-reflection (`Tests/Interop/grpc_client.py`).
@Suite(.enabled(if: PythonGRPCClient.isEnabled, "needs grpcio: run with make test"))
struct GRPCInteropTests {
    @Test func grpcioCallsEveryKindOfMethodAndGetsTheContractsErrors() async throws {
        try await withTemporaryDirectory { directory in
            let daemon = try await DaemonProcess(workingDirectory: directory)
            let client = try await PythonGRPCClient(daemon: daemon)
            // Create, read, list, update, delete; login, refresh, logout; an admin method called
            // anonymously, a bad request with its field violations, a deadline (grpc_client.py).
            let output = try await client.run(
                "workflow",
                "--username",
                "admin",
                environment: ["CATALOG_PASSWORD": try daemon.initialPassword]
            )
            #expect(output.contains(#"{"workflow": "ok"}"#))
            #expect(try await daemon.terminate() == 0)
        }
    }

    @Test func anonymousReadsOverGRPCAndTheFramingAreCountedExactlyTogether() async throws {
        try await withTemporaryDirectory { directory in
            let daemon = try await DaemonProcess(
                workingDirectory: directory,
                arguments: ["--view-flush-interval", "0.2"]
            )
            let client = try await PythonGRPCClient(daemon: daemon)
            try await CatalogClient.withClient(daemon.clientConfiguration()) { admin in
                admin.setAccessToken(
                    try await admin.login(username: "admin", password: try daemon.initialPassword).accessToken
                )
                let sku = try await admin.createProduct(name: "Lamp", brand: "Acme", priceCents: 100).sku
                let grpcReads = 400
                let framingReads = 600
                // Both at once, into the same product's count.
                async let grpc = client.run("read", "--sku", sku, "--count", "\(grpcReads)", "--concurrency", "16")
                try await CatalogClient.withClient(daemon.clientConfiguration()) { reader in
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        for _ in 0..<framingReads {
                            group.addTask { _ = try await reader.getProduct(sku: sku) }
                        }
                        try await group.waitForAll()
                    }
                }
                #expect(try await grpc.contains(#"{"ok": \#(grpcReads)}"#))
                // An admin's read counts none, so reading the count does not change it.
                try await eventually("every view to be counted") {
                    try await admin.getProduct(sku: sku).views == UInt64(grpcReads + framingReads)
                }
            }
            #expect(try await daemon.terminate() == 0)
        }
    }

    @Test func grpcioReflectionListsEveryServiceAndResolvesEveryMethod() async throws {
        try await withTemporaryDirectory { directory in
            let daemon = try await DaemonProcess(workingDirectory: directory)
            let output = try await PythonGRPCClient(daemon: daemon).run("reflection")
            let described = try JSONDecoder().decode([String: [String: [ReflectedType]]].self, from: Data(output.utf8))

            // Every service of Protos/catalog/v1, with every method and its messages' full names.
            var expected: [String: [String: [String]]] = [:]
            for file in try CatalogDescriptors.fileDescriptorSet().file where file.package == "catalog.v1" {
                for service in file.service {
                    expected["catalog.v1.\(service.name)"] = Dictionary(
                        uniqueKeysWithValues: service.method.map {
                            ($0.name, [String($0.inputType.dropFirst()), String($0.outputType.dropFirst())])
                        }
                    )
                }
            }
            expected["grpc.health.v1.Health"] = [
                "Check": ["grpc.health.v1.HealthCheckRequest", "grpc.health.v1.HealthCheckResponse"],
                "Watch": ["grpc.health.v1.HealthCheckRequest", "grpc.health.v1.HealthCheckResponse"],
            ]
            for version in ["v1", "v1alpha"] {
                expected["grpc.reflection.\(version).ServerReflection"] = [
                    "ServerReflectionInfo": [
                        "grpc.reflection.\(version).ServerReflectionRequest",
                        "grpc.reflection.\(version).ServerReflectionResponse",
                    ]
                ]
            }
            let names = described.mapValues { methods in methods.mapValues { $0.compactMap(\.name) } }
            #expect(names == expected)
            // The request messages were resolved whole: GetProduct's has its one field.
            #expect(described["catalog.v1.ProductService"]?["GetProduct"]?.last == .fieldCount(1))
            #expect(try await daemon.terminate() == 0)
        }
    }

    @Test func aHealthProbeSeesNotServingFromTheStartOfTheDrain() async throws {
        try await withTemporaryDirectory { directory in
            let daemon = try await DaemonProcess(workingDirectory: directory)
            let client = try await PythonGRPCClient(daemon: daemon)
            #expect(try await client.run("health", "--service", "catalog.v1.ProductService") == "SERVING\n")
            let watch = try client.start("watch")
            defer { watch.process.terminate() }
            _ = try await watch.output.wait { $0.contains("SERVING\n") }
            daemon.process.terminate()
            // NOT_SERVING first, then the server ends the stream, as the daemon drains.
            let seen = try await watch.output.wait { $0.contains("END\n") }
            #expect(seen == "SERVING\nNOT_SERVING\nEND\n")
            #expect(try await daemon.terminate() == 0)
        }
    }

    @Test func overLimitMessagesAndFloodsLoseTheirCallOrConnectionAndTheDaemonServesOn() async throws {
        try await withTemporaryDirectory { directory in
            let daemon = try await DaemonProcess(
                workingDirectory: directory,
                arguments: ["--max-frame-bytes", "65536", "--max-in-flight", "8"]
            )
            let client = try await PythonGRPCClient(daemon: daemon)
            // A message over --max-frame-bytes: RESOURCE_EXHAUSTED, from its length prefix.
            #expect(try await client.run("oversized", "--bytes", "70000").contains(#""code": "RESOURCE_EXHAUSTED""#))
            // More streams at once than the server allowed in its SETTINGS (--max-in-flight).
            let streams = try Self.report(try await client.run("stream-flood", "--streams", "40"))
            #expect(streams.limit == 8)
            #expect(streams.goaway?.code == "PROTOCOL_ERROR", "\(streams)")
            // Pings without a call, far more often than every 5 minutes.
            let pings = try Self.report(try await client.run("ping-flood", "--pings", "10"))
            #expect(pings.goaway == RawReport.GoAway(code: "ENHANCE_YOUR_CALM", debug: "too_many_pings"), "\(pings)")
            // Only those connections ended.
            #expect(try await client.run("health") == "SERVING\n")
            #expect(try await daemon.terminate() == 0)
        }
    }

    @Test func aConnectionOverTheCapsIsTurnedAwayWithGoAway() async throws {
        try await withTemporaryDirectory { directory in
            let daemon = try await DaemonProcess(
                workingDirectory: directory,
                arguments: ["--max-connections-per-address", "1"]
            )
            let client = try await PythonGRPCClient(daemon: daemon)
            // The framing's connection counts against the same cap.
            try await CatalogClient.withClient(daemon.clientConfiguration()) { framing in
                _ = try await framing.health()
                let refused = try Self.report(try await client.run("goaway"))
                #expect(
                    refused.goaway
                        == RawReport.GoAway(
                            code: "ENHANCE_YOUR_CALM",
                            debug: "too many connections from your address (at most 1); reuse one"
                        ),
                    "\(refused)"
                )
            }
            try await eventually("a gRPC connection to be served once the other closed", limit: .seconds(30)) {
                try await client.run("health") == "SERVING\n"
            }
            #expect(try await daemon.terminate() == 0)
        }
    }

    private static func report(_ output: String) throws -> RawReport {
        try JSONDecoder().decode(RawReport.self, from: Data(output.utf8))
    }

    @Test(.enabled(if: PostgresTestDatabase.isEnabled, "needs PostgreSQL: run with make test"))
    func aHealthProbeSeesNotServingWhilePostgreSQLIsDown() async throws {
        try await PostgresTestCluster.withCluster { cluster in
            try await PostgresTestDatabase.withDatabase(in: cluster.url) { url in
                try await withTemporaryDirectory { directory in
                    let daemon = try await DaemonProcess(
                        workingDirectory: directory,
                        environment: ["CATALOG_DATABASE_URL": url]
                    )
                    let client = try await PythonGRPCClient(daemon: daemon)
                    #expect(try await client.run("health") == "SERVING\n")
                    try await cluster.stop()
                    try await eventually("the probe to see NOT_SERVING", limit: .seconds(60)) {
                        try await client.run("health") == "NOT_SERVING\n"
                    }
                    // rpc-client's probe, as the container's HEALTHCHECK runs it: unhealthy.
                    let probe = try await runClient(
                        ["health", "--grpc", "--grpc-server", "127.0.0.1:\(try await daemon.grpcPort())", "--probe"],
                        in: directory,
                        environment: ["CATALOG_CA": daemon.caPath]
                    )
                    #expect(probe.status == 1)
                    #expect(probe.stdout == "NOT_SERVING\n")
                    try await cluster.start()
                    try await eventually("the probe to see SERVING again", limit: .seconds(60)) {
                        try await client.run("health") == "SERVING\n"
                    }
                    #expect(try await daemon.terminate() == 0)
                }
            }
        }
    }
}

/// A method's request and response type names, then its request's field count, as
/// grpc_client.py prints them.
private enum ReflectedType: Decodable, Equatable {
    case name(String)
    case fieldCount(Int)

    var name: String? {
        if case .name(let name) = self { return name }
        return nil
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let count = try? container.decode(Int.self) {
            self = .fieldCount(count)
        } else {
            self = .name(try container.decode(String.self))
        }
    }
}

/// How grpc_client.py's raw HTTP/2 commands saw a connection end.
private struct RawReport: Decodable, CustomStringConvertible {
    struct GoAway: Decodable, Equatable {
        var code: String
        var debug: String
    }

    var resets: [String: Int]
    var goaway: GoAway?
    var closed: Bool
    var limit: Int?

    var description: String {
        "resets \(self.resets), GOAWAY \(self.goaway.map { "\($0)" } ?? "none"), closed \(self.closed)"
    }
}
