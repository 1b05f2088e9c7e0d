import Foundation
import TestSupport
import Testing

/// A daemon that cannot start says why in one line and exits; one being stopped while it starts
/// ends too. Before, a taken gRPC port left it alive, spinning and deaf to SIGTERM.
@Suite struct StartFailureTests {
    /// Every listener on a port of its own (port 0), but `flag`'s on one another socket listens on.
    private static func arguments(taking flag: String, port: Int) -> [String] {
        var values = ["--listen": "127.0.0.1:0", "--grpc-listen": "127.0.0.1:0", "--metrics-listen": "127.0.0.1:0"]
        values[flag] = "127.0.0.1:\(port)"
        return ["serve", "--log-format", "json"] + values.sorted { $0.key < $1.key }.flatMap { [$0.key, $0.value] }
    }

    @Test(arguments: ["--listen", "--grpc-listen", "--metrics-listen"])
    func aTakenPortEndsTheDaemonWithOneErrorLineNamingTheFlag(flag: String) async throws {
        let taken = try PortReservation(listening: true)
        defer { taken.release() }
        try await withTemporaryDirectory { directory in
            // An admin already: no first-start password to hash, which on a busy machine takes
            // longer than the whole failure does.
            let setup = try await runProcess(
                Executables.catalogd,
                ["create-superuser", "--username", "root"],
                in: directory,
                environment: ["CATALOG_PASSWORD": "a long enough password for root"],
                mergeOutput: true,
                limit: .seconds(120)
            )
            try #require(setup.status == 0, "\(setup.stdout)")
            let run = try await Self.runTimed(Self.arguments(taking: flag, port: taken.port), in: directory)
            #expect(run.status != 0)
            #expect(run.sinceFirstLine < .seconds(5), "exited \(run.sinceFirstLine) after its first line")
            let lines = run.output.split(separator: "\n").map(String.init)
            #expect(lines.count < 50, "\(lines.count) lines:\n\(run.output)")
            let errors = lines.compactMap { Self.json($0) }.filter { $0["level"] as? String == "error" }
            #expect(errors.count == 1, "\(run.output)")
            let message = errors.first?["message"] as? String ?? ""
            #expect(message == "\(flag) 127.0.0.1:\(taken.port): address already in use", "\(run.output)")
            #expect(!run.output.contains("\"ready\""), "no ready line without every listener")
        }
    }

    /// Runs catalogd to its end (bounded) and times it from its first line of output, written once
    /// its store is open, to its exit.
    private static func runTimed(
        _ arguments: [String],
        in directory: String
    ) async throws -> (status: Int32, output: String, sinceFirstLine: Duration) {
        let daemon = try LaunchedDaemon(arguments, in: directory)
        defer { daemon.kill() }
        _ = try await daemon.output.wait(for: .seconds(120)) { !$0.isEmpty }
        let firstLine = ContinuousClock.now
        let status = try await daemon.exit(limit: .seconds(120))
        let exited = ContinuousClock.now
        return (status, try await daemon.output.waitForEnd(), exited - firstLine)
    }

    @Test func aMissingCertificateEndsTheDaemonNamingTheFlag() async throws {
        try await withTemporaryDirectory { directory in
            let run = try await runProcess(
                Executables.catalogd,
                [
                    "serve", "--listen", "127.0.0.1:0", "--grpc-listen", "127.0.0.1:0", "--log-format", "json",
                    "--tls-cert", directory + "/missing.pem", "--tls-key", directory + "/missing-key.pem",
                ],
                in: directory,
                mergeOutput: true,
                limit: .seconds(60)
            )
            #expect(run.status != 0)
            let errors = run.stdout.split(separator: "\n").compactMap { Self.json(String($0)) }
                .filter { $0["level"] as? String == "error" }
            #expect(errors.count == 1, "\(run.stdout)")
            #expect(
                errors.first?["message"] as? String
                    == "--tls-cert \(directory)/missing.pem: no such file or directory",
                "\(run.stdout)"
            )
        }
    }

    /// SIGTERM as soon as the daemon writes its first line (store opening, certificate, listeners
    /// binding), and right after the start: it ends within the drain bound either way.
    @Test(arguments: [true, false])
    func sigtermWhileStartingEndsTheProcess(afterFirstLine: Bool) async throws {
        try await withTemporaryDirectory { directory in
            let daemon = try LaunchedDaemon(
                ["serve", "--listen", "127.0.0.1:0", "--grpc-listen", "127.0.0.1:0"],
                in: directory
            )
            defer { daemon.kill() }
            if afterFirstLine {
                _ = try await daemon.output.wait { !$0.isEmpty }
            }
            daemon.process.terminate()
            // The drain timeout (10 s) with a margin for a busy machine.
            _ = try await daemon.exit(limit: .seconds(30))
            #expect(!daemon.process.isRunning)
        }
    }

    private static func json(_ line: String) -> [String: Any]? {
        try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
    }
}

/// A catalogd process with its output collected, for tests that watch how it starts and ends.
private struct LaunchedDaemon {
    let process = Process()
    let output = OutputCollector()
    private let status = Condition<Int32?>(nil)

    init(_ arguments: [String], in directory: String) throws {
        self.process.executableURL = Executables.catalogd
        self.process.arguments = arguments
        self.process.currentDirectoryURL = URL(fileURLWithPath: directory)
        let pipe = Pipe()
        self.process.standardOutput = pipe
        self.process.standardError = pipe
        self.output.attach(to: pipe)
        let status = self.status
        self.process.terminationHandler = { process in status.update { $0 = process.terminationStatus } }
        try self.process.run()
    }

    /// Waits (bounded) for the process to exit; returns its status.
    func exit(limit: Duration) async throws -> Int32 {
        try await withTimeout(limit, "catalogd to exit") { await self.status.wait { $0 != nil } }
        return self.status.value ?? -1
    }

    /// SIGKILL, if it still runs: a test that failed leaves no daemon behind.
    func kill() {
        if self.process.isRunning {
            Foundation.kill(self.process.processIdentifier, SIGKILL)
        }
    }
}
