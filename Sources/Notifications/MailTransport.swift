import Domain
public import Logging

/// Delivers one message. Implementations never block the caller's thread: blocking work
/// runs on a thread of their own.
public protocol MailTransport: Sendable {
    /// - Throws: `MailError` with a reason fit for the outbox's `last_error`.
    func send(_ message: MailMessage) async throws
}

/// Why a delivery failed, in words an operator acts on; never a password.
public struct MailError: Error, CustomStringConvertible {
    public var description: String

    public init(_ description: String) {
        self.description = description
    }
}

/// With no mail server configured: each notification is written to the log, so the
/// embedded default needs nothing else running. Such rows count as delivered (to the log).
public struct LogMailTransport: MailTransport {
    let logger: Logger

    public init(logger: Logger) {
        self.logger = logger
    }

    public func send(_ message: MailMessage) async throws {
        self.logger.notice(
            "notification (no --smtp-url; delivered to the log)",
            metadata: ["to": "\(message.to)", "subject": "\(message.subject)", "message_id": "\(message.messageID)"]
        )
    }
}
