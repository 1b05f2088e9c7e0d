import Foundation
import TestSupport
import Testing

/// A Go service calling catalogd: grpc-go (Debian's golang-google-grpc-dev), built by `make test`
/// from Tests/Interop/go/catalog-interop and named by `CATALOG_TEST_GO_CLIENT`. It prints what
/// it saw of each call as JSON; the checks are here.
@Suite(.enabled(if: GoClient.isEnabled, "needs the Go client: run with make test"))
struct GoInteropTests {
    @Test func grpcGoCallsHealthProductsAuthAndReflectionAndReadsTheContractsErrors() async throws {
        let client = try #require(GoClient.path, "CATALOG_TEST_GO_CLIENT is not set: run the tests with make test")
        try await withTemporaryDirectory { directory in
            let daemon = try await DaemonProcess(workingDirectory: directory)
            let run = try await runProcess(
                URL(fileURLWithPath: client),
                ["--server", "127.0.0.1:\(try await daemon.grpcPort())", "--ca", daemon.caPath, "--username", "admin"],
                environment: ["CATALOG_PASSWORD": try daemon.initialPassword],
                limit: .seconds(120)
            )
            #expect(run.status == 0, "\(run.stderr)")
            let seen = try #require(
                try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any],
                "\(run.stdout)"
            )
            func code(_ key: String) -> String? { (seen[key] as? [String: Any])?["code"] as? String }

            #expect(seen["health"] as? String == "SERVING")
            #expect(code("health_unknown_service") == "NotFound")
            let watch = try #require(seen["watch"] as? [String: Any])
            #expect(watch["statuses"] as? [String] == ["SERVING"])
            #expect((watch["end"] as? [String: Any])?["code"] as? String == "DeadlineExceeded")

            #expect(code("get_unknown") == "NotFound")
            let invalid = try #require(seen["get_invalid"] as? [String: Any])
            #expect(invalid["code"] as? String == "InvalidArgument")
            #expect(invalid["fields"] as? [String] == ["sku"], "BadRequest details in grpc-status-details-bin")

            #expect(code("login") == "OK")
            #expect(code("create_anonymous") == "Unauthenticated")
            #expect(code("create_as_admin") == "OK", "the token as authorization metadata")
            let created = try #require(seen["get_created"] as? [String: Any])
            #expect(created["name"] as? String == "Go lamp")

            let reflection = try #require(seen["reflection"] as? [String: Any])
            #expect((reflection["outcome"] as? [String: Any])?["code"] as? String == "OK")
            let services = Set(reflection["services"] as? [String] ?? [])
            #expect(services.isSuperset(of: ["catalog.v1.ProductService", "grpc.health.v1.Health"]), "\(services)")
            #expect(try await daemon.terminate() == 0)
        }
    }
}

/// The Go client `make test` builds.
enum GoClient {
    static var path: String? { ProcessInfo.processInfo.environment["CATALOG_TEST_GO_CLIENT"] }
    /// With `CI=true` the suite runs, and fails without the client.
    static var isEnabled: Bool { Self.path != nil || ProcessInfo.processInfo.environment["CI"] == "true" }
}
