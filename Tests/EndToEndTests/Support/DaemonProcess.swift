import Foundation
import RPCClient
import TestSupport

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A real `catalogd serve` process on 127.0.0.1:0 in its own data folder.
final class DaemonProcess: Sendable {
    let process: Process
    let output = OutputCollector()
    /// The exit status, once the process ended.
    let exitStatus = Condition<Int32?>(nil)
    let port: Int
    /// The gRPC listener's port; `nil` with `--grpc-listen off`.
    private let grpcListenerPort: Int?
    /// `127.0.0.1:PORT` of the metrics listener; `nil` without `--metrics-listen`.
    let metricsAddress: String?
    let workingDirectory: String

    /// The daemon's own certificate, which clients trust.
    var caPath: String { self.workingDirectory + "/.catalog/tls/cert.pem" }

    /// Starts the daemon with `arguments` after `serve --listen 127.0.0.1:0`, in
    /// `workingDirectory` (its data dir defaults to `./.catalog` there), with `environment`
    /// added to the test's, and waits until it listens. `launcher` runs it, when given: a
    /// command that execs the rest of its arguments in its own place (`taskset -c 0`).
    init(
        workingDirectory: String,
        arguments: [String] = [],
        environment: [String: String] = [:],
        launcher: [String] = []
    ) async throws {
        self.workingDirectory = workingDirectory
        let process = Process()
        process.executableURL = launcher.first.map { URL(fileURLWithPath: $0) } ?? Executables.catalogd
        // The gRPC listener on a port of its own too: tests run daemons side by side. The TLS
        // handshake bound is not what these tests test: a generous one, so that a machine busy
        // with every suite at once (and CPU hogs beside them) does not close their handshakes.
        process.arguments =
            launcher.dropFirst() + (launcher.isEmpty ? [] : [Executables.catalogd.path])
            + ["serve", "--listen", "127.0.0.1:0", "--grpc-listen", "127.0.0.1:0", "--handshake-timeout", "120"]
            + arguments
        process.currentDirectoryURL = URL(fileURLWithPath: workingDirectory)
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let pipe = Pipe()
        process.standardError = pipe
        process.standardOutput = pipe
        self.output.attach(to: pipe)
        let exitStatus = self.exitStatus
        process.terminationHandler = { process in exitStatus.update { $0 = process.terminationStatus } }
        try process.run()
        self.process = process

        // The daemon's ready line names every listener's address once all are bound.
        let log = try await self.output.wait { Self.readyLine(in: $0) != nil || $0.contains("rror") }
        guard let ready = Self.readyLine(in: log),
            let port = ready["listen"]?.split(separator: ":").last.flatMap({ Int($0) })
        else {
            process.terminate()
            throw ProcessFailure("catalogd did not start:\n\(log)")
        }
        self.port = port
        self.grpcListenerPort = ready["grpc_port"].flatMap { Int($0) }
        self.metricsAddress = ready["metrics_listen"]
    }

    /// The port of the standard gRPC listener.
    func grpcPort() async throws -> Int {
        guard let port = self.grpcListenerPort else {
            throw ProcessFailure("catalogd serves no gRPC listener")
        }
        return port
    }

    /// The metadata of the daemon's ready line ("... listen=127.0.0.1:PORT grpc_port=PORT
    /// [catalogd] ready", or its JSON with `--log-format json`), by key.
    private static func readyLine(in log: String) -> [String: String]? {
        for line in log.split(separator: "\n") where line.hasPrefix("{") {
            if let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                object["message"] as? String == "ready"
            {
                return object.compactMapValues { $0 as? String }
            }
        }
        guard let line = log.split(separator: "\n").first(where: { $0.hasSuffix("] ready") }) else { return nil }
        var fields: [String: String] = [:]
        for token in line.split(separator: " ") {
            let parts = token.split(separator: "=", maxSplits: 1)
            if parts.count == 2 {
                fields[String(parts[0])] = String(parts[1])
            }
        }
        return fields
    }

    func clientConfiguration() -> ClientConfiguration {
        ClientConfiguration(host: "127.0.0.1", port: self.port, security: .tls(trustedCAPath: self.caPath))
    }

    /// Sends SIGTERM and waits (bounded) for the process to exit; returns its status. The
    /// default limit is generous: tests that measure the exit check the time themselves.
    /// - Throws: when the limit passes, with the daemon's last log lines, which tell how far
    ///   its shutdown got.
    func terminate(limit: Duration = .seconds(60)) async throws -> Int32 {
        self.process.terminate()
        return try await self.exit(limit: limit)
    }

    /// Sends SIGTERM and returns at once: the daemon drains meanwhile; `exit` waits for its end.
    func beginTermination() {
        self.process.terminate()
    }

    /// Waits (bounded) for the process to exit; returns its status.
    func exit(limit: Duration = .seconds(60)) async throws -> Int32 {
        do {
            return try await withTimeout(limit, "catalogd to exit") {
                await self.exitStatus.wait { $0 != nil }
                try Task.checkCancellation()
                return self.exitStatus.value ?? -1
            }
        } catch is TimedOut {
            let log = self.output.value.split(separator: "\n").suffix(30).joined(separator: "\n")
            throw ProcessFailure("catalogd did not exit within \(limit); its log ends:\n\(log)")
        }
    }

    /// Kills the process with SIGKILL, as a crash would, and waits until it is gone. (Death is
    /// not instant: a process in the middle of an fsync dies when the disk is done, and beside a
    /// build that took over 10 s once.)
    func crash(limit: Duration = .seconds(60)) async throws {
        kill(self.process.processIdentifier, SIGKILL)
        try await withTimeout(limit, "catalogd to die") {
            await self.exitStatus.wait { $0 != nil }
            try Task.checkCancellation()
        }
    }

    /// The process's resident memory (VmRSS), in bytes.
    func residentBytes() throws -> Int {
        let status = try String(contentsOfFile: "/proc/\(self.process.processIdentifier)/status", encoding: .utf8)
        guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
            let kib = Int(line.split(separator: " ", omittingEmptySubsequences: true)[1])
        else {
            throw ProcessFailure("no VmRSS for catalogd")
        }
        return kib * 1024
    }

    /// The first-start superuser's password, from its file.
    var initialPassword: String {
        get throws {
            try String(contentsOfFile: self.workingDirectory + "/.catalog/initial-admin-password", encoding: .utf8)
                .trimmingCharacters(in: .newlines)
        }
    }

    deinit {
        if self.process.isRunning {
            self.process.terminate()
        }
    }
}

/// Runs `rpc-client` with `arguments` in `directory` and returns its exit status and output.
/// `CATALOG_CA` is unset, so that only what a test passes is trusted.
func runClient(
    _ arguments: [String],
    in directory: String,
    environment: [String: String] = [:]
) async throws
    -> (status: Int32, stdout: String, stderr: String)
{
    var changes: [String: String?] = ["CATALOG_CA": nil]
    for (name, value) in environment {
        changes[name] = value
    }
    return try await runProcess(
        Executables.rpcClient,
        arguments,
        in: directory,
        environment: changes,
        limit: .seconds(30)
    )
}

/// Runs a `catalogd` subcommand to its end and returns its status and combined output.
func runCatalogd(
    _ arguments: [String],
    in directory: String,
    environment: [String: String] = [:]
) async throws
    -> (status: Int32, output: String)
{
    let run = try await runProcess(
        Executables.catalogd,
        arguments,
        in: directory,
        environment: environment,
        mergeOutput: true
    )
    return (run.status, run.stdout)
}

extension DaemonProcess {
    /// The HTTP status of `GET <path>` on the metrics listener (`--metrics-listen`), asked by
    /// URLSession: a client that is not ours.
    func probe(_ path: String) async throws -> Int {
        guard let address = self.metricsAddress else {
            throw ProcessFailure("catalogd serves no metrics listener")
        }
        let (_, response) = try await URLSession.shared.data(from: URL(string: "http://\(address)\(path)")!)
        guard let http = response as? HTTPURLResponse else {
            throw ProcessFailure("not an HTTP answer: \(response)")
        }
        return http.statusCode
    }
}
