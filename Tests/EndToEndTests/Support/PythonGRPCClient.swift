import Foundation
import TestSupport

/// `Tests/Interop/grpc_client.py`: Python's grpcio against a real daemon's gRPC listener, with
/// the interpreter of the environment `make test` installs `Tests/Interop/requirements.txt` into.
struct PythonGRPCClient: Sendable {
    /// The interpreter, from `CATALOG_TEST_PYTHON` (set by scripts/test).
    static var python: String? { ProcessInfo.processInfo.environment["CATALOG_TEST_PYTHON"] }
    static var isEnabled: Bool { Self.python != nil }

    private static let script = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Interop/grpc_client.py").path

    let target: String
    let caPath: String?

    init(daemon: DaemonProcess) async throws {
        self.target = "127.0.0.1:\(try await daemon.grpcPort())"
        self.caPath = daemon.caPath
    }

    private func arguments(_ command: [String]) -> [String] {
        [Self.script, "--target", self.target] + (self.caPath.map { ["--ca", $0] } ?? []) + command
    }

    /// Runs a command to its end; a non-zero exit is a `ProcessFailure` with what it printed.
    func run(
        _ command: String...,
        environment: [String: String?] = [:],
        limit: Duration = .seconds(120)
    ) async throws -> String {
        let python = try Self.interpreter()
        let run = try await runProcess(
            URL(fileURLWithPath: python),
            self.arguments(command),
            environment: environment,
            limit: limit
        )
        guard run.status == 0 else {
            throw ProcessFailure(
                "grpc_client.py \(command.joined(separator: " ")) exited \(run.status):\n\(run.stderr)\(run.stdout)"
            )
        }
        return run.stdout
    }

    /// Starts a command that runs on (Watch); its output is collected as it comes. Its standard
    /// input stays open until it is terminated (a command may wait for it to close).
    func start(_ command: String...) throws -> (process: Process, output: OutputCollector) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try Self.interpreter())
        process.arguments = self.arguments(command)
        process.standardInput = Pipe()
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        let output = OutputCollector()
        output.attach(to: pipe)
        try process.run()
        return (process, output)
    }

    private static func interpreter() throws -> String {
        guard let python = Self.python else {
            throw ProcessFailure("CATALOG_TEST_PYTHON is not set: run the tests with make test")
        }
        return python
    }
}
