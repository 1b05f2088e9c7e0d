import Codec
import Foundation
import RPCClient
import TestSupport
import Testing

/// Issue 15: `--log-format json` for a log pipeline: every line parses, every call's line names
/// the call, and a caller's `traceparent` finds the lines of its calls, on both transports.
@Suite(.enabled(if: PythonGRPCClient.isEnabled, "needs grpcio: run with make test"))
struct JSONLogTests {
    private static let framingTrace = "4bf92f3577b34da6a3ce929d0e0e4736"
    private static let grpcTrace = "0af7651916cd43dd8448eb211c80319c"

    @Test func everyLineParsesAndEachCallLineCarriesItsCallMethodPeerAndTrace() async throws {
        try await withTemporaryDirectory { directory in
            let daemon = try await DaemonProcess(
                workingDirectory: directory,
                arguments: ["--log-format", "json"],
                environment: ["CATALOG_LOG_LEVEL": "debug"]
            )
            let password = try daemon.initialPassword
            let sku = try await CatalogClient.withClient(daemon.clientConfiguration()) { client in
                client.setTraceparent("00-\(Self.framingTrace)-00f067aa0ba902b7-01")
                let tokens = try await client.login(username: "admin", password: password)
                client.setAccessToken(tokens.accessToken)
                let sku = try await client.createProduct(name: "Lamp", brand: "Acme", priceCents: 100).sku
                client.setAccessToken(nil)
                _ = try await client.getProduct(sku: sku)
                await #expect(throws: RPCStatus.self) { _ = try await client.getProduct(sku: UUID().uuidString) }
                return sku
            }
            // An untraced call, and a malformed traceparent: logged without a trace id.
            try await CatalogClient.withClient(daemon.clientConfiguration()) { client in
                client.setTraceparent("not a traceparent")
                _ = try await client.getProduct(sku: sku)
            }
            _ = try await PythonGRPCClient(daemon: daemon).run(
                "read",
                "--sku",
                sku,
                "--count",
                "2",
                "--concurrency",
                "1",
                "--traceparent",
                "00-\(Self.grpcTrace)-b7ad6b7169203331-01"
            )
            #expect(try await daemon.terminate() == 0)

            let lines = try Self.jsonLines(daemon.output.value)
            #expect(lines.allSatisfy { $0["time"] is String && $0["level"] is String && $0["message"] is String })
            let calls = lines.filter { $0["message"] as? String == "call answered" }
            #expect(calls.count == 4 + 1 + 2, "login, create, two reads; one read; two gRPC reads")
            for call in calls {
                #expect(call["call_id"] is String && call["method"] is String && call["peer"] is String, "\(call)")
                #expect(call["code"] is String)
            }
            let framing = calls.filter { $0["trace_id"] as? String == Self.framingTrace }
            #expect(
                framing.compactMap { $0["method"] as? String } == [
                    "catalog.v1.AuthService/Login", "catalog.v1.ProductService/CreateProduct",
                    "catalog.v1.ProductService/GetProduct", "catalog.v1.ProductService/GetProduct",
                ]
            )
            #expect(framing.compactMap { $0["code"] as? String }.last == "NOT_FOUND")
            let grpc = calls.filter { $0["trace_id"] as? String == Self.grpcTrace }
            #expect(grpc.count == 2)
            #expect(grpc.allSatisfy { $0["method"] as? String == "catalog.v1.ProductService/GetProduct" })
            #expect(calls.filter { $0["trace_id"] == nil }.count == 1, "the malformed one is not a trace")
            // The password (which the daemon prints once, as plain text, at first start) is in no log line.
            #expect(!lines.contains { "\($0)".contains(password) })
        }
    }

    /// Every line of the daemon's output that is a log line, parsed; the initial superuser's
    /// notice goes to standard output as plain text, on purpose, and is the only other output.
    private static func jsonLines(_ output: String) throws -> [[String: Any]] {
        try output.split(separator: "\n").compactMap { line -> [String: Any]? in
            if line.hasPrefix("initial superuser:") || line.hasPrefix("(also in ") { return nil }
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8))
            guard let fields = object as? [String: Any] else {
                throw ProcessFailure("not a JSON object: \(line)")
            }
            return fields
        }
    }
}
