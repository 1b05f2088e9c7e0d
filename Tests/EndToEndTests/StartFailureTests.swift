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
        let process = Process()
        process.executableURL = Executables.catalogd
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        let output = OutputCollector()
        output.attach(to: pipe)
        let exit = Condition<Int32?>(nil)
        process.terminationHandler = { process in exit.update { $0 = process.terminationStatus } }
        try process.run()
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        _ = try await output.wait(for: .seconds(120)) { !$0.isEmpty }
        let firstLine = ContinuousClock.now
        try await withTimeout(.seconds(120), "catalogd to exit") { await exit.wait { $0 != nil } }
        let exited = ContinuousClock.now
        return (exit.value ?? -1, try await output.waitForEnd(), exited - firstLine)
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
            let process = Process()
            process.executableURL = Executables.catalogd
            process.arguments = ["serve", "--listen", "127.0.0.1:0", "--grpc-listen", "127.0.0.1:0"]
            process.currentDirectoryURL = URL(fileURLWithPath: directory)
            let pipe = Pipe()
            process.standardOutput = pipe
            process.standardError = pipe
            let output = OutputCollector()
            output.attach(to: pipe)
            let exited = Condition(false)
            process.terminationHandler = { _ in exited.update { $0 = true } }
            try process.run()
            defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
            if afterFirstLine {
                _ = try await output.wait { !$0.isEmpty }
            }
            process.terminate()
            // The drain timeout (10 s) with a margin for a busy machine.
            try await withTimeout(.seconds(30), "catalogd to end after SIGTERM") {
                await exited.wait { $0 }
            }
            #expect(!process.isRunning)
        }
    }

    private static func json(_ line: String) -> [String: Any]? {
        try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
    }
}
