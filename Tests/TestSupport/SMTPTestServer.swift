import Foundation

/// A real SMTP server for one test: Debian's aiosmtpd run by `scripts/smtp-test-server.py`
/// on 127.0.0.1, recording every message it receives. `stalled` accepts connections and
/// never answers.
public final class SMTPTestServer: Sendable {
    /// One message as the server received it.
    public struct Message: Sendable, Decodable {
        public var mailFrom: String
        public var rcptTos: [String]
        public var content: String

        enum CodingKeys: String, CodingKey {
            case mailFrom = "mail_from"
            case rcptTos = "rcpt_tos"
            case content
        }

        /// The content with LF line ends (SMTP carries CRLF).
        private var text: String { self.content.replacingOccurrences(of: "\r\n", with: "\n") }

        /// The value of a header, e.g. `Subject`.
        public func header(_ name: String) -> String? {
            let head = self.text.components(separatedBy: "\n\n").first ?? self.text
            let prefix = name.lowercased() + ":"
            return head.split(separator: "\n").first { $0.lowercased().hasPrefix(prefix) }
                .map { String($0.dropFirst(prefix.count)).trimmingCharacters(in: .whitespacesAndNewlines) }
        }

        /// The text after the headers.
        public var body: String {
            self.text.components(separatedBy: "\n\n").dropFirst().joined(separator: "\n\n")
        }
    }

    public let port: Int
    private let process: Process
    private let output: OutputCollector
    private let exited = Condition(false)

    /// The repository root, found from this file's path.
    private static let script = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("scripts/smtp-test-server.py").path

    /// Starts the server (on `port`, or a free one) and waits until it listens.
    public init(port: Int? = nil, stalled: Bool = false) async throws {
        let process = Process()
        // Debian's python3-aiosmtpd belongs to /usr/bin/python3, whatever python3 is first on PATH.
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = [Self.script] + (port.map { ["--port", "\($0)"] } ?? []) + (stalled ? ["--stall"] : [])
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        let output = OutputCollector()
        output.attach(to: pipe)
        let exited = self.exited
        process.terminationHandler = { _ in exited.update { $0 = true } }
        try process.run()
        self.process = process
        self.output = output
        let text = try await output.wait(for: .seconds(20)) { $0.contains("READY ") || $0.contains("Error") }
        guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix("READY ") }),
            let bound = Int(line.dropFirst("READY ".count))
        else {
            process.terminate()
            throw ProcessFailure("the SMTP test server did not start (is python3-aiosmtpd installed?):\n\(text)")
        }
        self.port = bound
    }

    /// `smtp://127.0.0.1:<port>`.
    public var url: String { "smtp://127.0.0.1:\(self.port)" }

    /// Every message received so far.
    public var messages: [Message] {
        self.output.value.split(separator: "\n").compactMap { line in
            guard line.hasPrefix("MESSAGE ") else { return nil }
            return try? JSONDecoder().decode(Message.self, from: Data(line.dropFirst("MESSAGE ".count).utf8))
        }
    }

    /// Waits until at least `count` messages arrived.
    @discardableResult
    public func waitForMessages(_ count: Int, limit: Duration = .seconds(20)) async throws -> [Message] {
        _ = try await self.output.wait(for: limit) { text in
            text.components(separatedBy: "\nMESSAGE ").count - 1 + (text.hasPrefix("MESSAGE ") ? 1 : 0) >= count
        }
        return self.messages
    }

    /// Stops the server and waits until it has exited, so its port is closed.
    public func stop() async throws {
        if self.process.isRunning {
            // SIGKILL: a child may inherit SIGTERM as ignored from the test process.
            kill(self.process.processIdentifier, SIGKILL)
        }
        try await withTimeout(.seconds(10), "the SMTP test server to exit") {
            await self.exited.wait { $0 }
            try Task.checkCancellation()
        }
    }

    deinit {
        if self.process.isRunning {
            kill(self.process.processIdentifier, SIGKILL)
        }
    }
}
