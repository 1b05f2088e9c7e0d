import Foundation
import TestSupport
import Testing

/// Issue 28: the container serves both doors and checks its own health. No image can be built
/// here, so the Dockerfile's runtime stage is read against the daemon's flags, and its health
/// check is run against a daemon set up as the image sets it up.
@Suite struct ContainerImageTests {
    @Test func bothDoorsAreBoundWhereOtherContainersReachThemAndExposed() throws {
        let image = try DockerfileRuntime.read()
        for name in ["CATALOG_LISTEN", "CATALOG_GRPC_LISTEN"] {
            let address = try #require(image.environment[name], "\(name) is set")
            #expect(address.hasPrefix("0.0.0.0:"), "\(name)=\(address) is reachable from other containers")
        }
        let ports = Set(
            ["CATALOG_LISTEN", "CATALOG_GRPC_LISTEN", "CATALOG_METRICS_LISTEN"].compactMap {
                image.environment[$0]?.split(separator: ":").last.flatMap { Int($0) }
            }
        )
        #expect(image.exposed == ports, "EXPOSE is exactly the listeners' ports")
        #expect(image.environment["CATALOG_CA"] == (image.environment["CATALOG_DATA_DIR"] ?? "") + "/tls/cert.pem")
    }

    @Test func everyVariableIsOneTheDaemonOrTheClientReads() async throws {
        let image = try DockerfileRuntime.read()
        try await withTemporaryDirectory { directory in
            // Help wraps its lines: words are compared with single spaces between them.
            let daemonHelp = Self.words(try await runCatalogd(["serve", "--help"], in: directory).output)
            let clientHelp = Self.words(try await runClient(["health", "--help"], in: directory).stdout)
            for name in image.environment.keys {
                #expect(
                    daemonHelp.contains("[env: \(name)]") || clientHelp.contains(name),
                    "\(name) is documented by catalogd serve --help or rpc-client health --help"
                )
            }
        }
    }

    private static func words(_ text: String) -> String {
        text.split(whereSeparator: \.isWhitespace).joined(separator: " ")
    }

    @Test func theHealthCheckPassesOnADaemonSetUpAsTheImageIs() async throws {
        let image = try DockerfileRuntime.read()
        let check = image.healthCheck
        #expect(Array(check.prefix(3)) == ["/usr/local/bin/rpc-client", "health", "--grpc"])
        let server = try #require(check.firstIndex(of: "--grpc-server").map { check[$0 + 1] })
        #expect(server == "127.0.0.1:" + (image.environment["CATALOG_GRPC_LISTEN"]?.split(separator: ":").last ?? ""))
        try await withTemporaryDirectory { directory in
            // The image's environment, its data dir moved into this test's folder; the listeners
            // on ports of their own (tests run daemons side by side).
            var environment = image.environment
            environment["CATALOG_DATA_DIR"] = directory + "/data"
            environment["CATALOG_CA"] = directory + "/data/tls/cert.pem"
            let daemon = try await DaemonProcess(workingDirectory: directory, environment: environment)
            var arguments = Array(check.dropFirst())
            arguments[arguments.firstIndex(of: server)!] = "127.0.0.1:\(try await daemon.grpcPort())"
            let healthy = try await runClient(arguments, in: directory, environment: environment)
            #expect(healthy.status == 0, "\(healthy.stderr)")
            #expect(healthy.stdout == "SERVING\n")
            #expect(try await daemon.terminate() == 0)
            let gone = try await runClient(arguments, in: directory, environment: environment)
            #expect(gone.status != 0)
        }
    }
}

/// The Dockerfile's last stage: its environment, exposed ports and health check command.
private struct DockerfileRuntime {
    var environment: [String: String] = [:]
    var exposed: Set<Int> = []
    var healthCheck: [String] = []

    static let path = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Dockerfile").path

    static func read() throws -> DockerfileRuntime {
        let text = try String(contentsOfFile: Self.path, encoding: .utf8)
        // Continuation lines joined, comments dropped, then only the last stage.
        let instructions = text.replacingOccurrences(of: "\\\n", with: " ")
            .split(separator: "\n")
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty && !$0.hasPrefix("#") }
        let lastStage = instructions.lastIndex { $0.hasPrefix("FROM ") } ?? 0
        var image = DockerfileRuntime()
        for line in instructions[lastStage...] {
            let words = line.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
            switch words.first {
            case "ENV":
                for pair in words.dropFirst() {
                    let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
                    if parts.count == 2 { image.environment[parts[0]] = parts[1] }
                }
            case "EXPOSE":
                image.exposed.formUnion(words.dropFirst().compactMap { Int($0) })
            case "HEALTHCHECK":
                guard let start = line.range(of: "CMD ")?.upperBound else { break }
                let json = Data(line[start...].utf8)
                image.healthCheck = try JSONDecoder().decode([String].self, from: json)
            default:
                break
            }
        }
        return image
    }
}
