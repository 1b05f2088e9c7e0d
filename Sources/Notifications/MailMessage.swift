public import Domain
public import Foundation

/// An RFC 5322 message: the headers a mail client shows and threads by, and a UTF-8
/// plain-text body, with CRLF line ends as SMTP requires.
public struct MailMessage: Sendable {
    public var from: String
    public var to: String
    public var subject: String
    public var body: String
    /// Stable for a notification across retries, so a resend can be recognised.
    public var messageID: String
    public var date: Date

    public init(notification: ChangeNotification, from: String, hostname: String, date: Date = Date()) {
        self.from = from
        self.to = notification.recipient
        self.subject = notification.subject
        self.body = notification.body
        self.messageID = "<\(notification.id.canonicalText)@\(hostname)>"
        self.date = date
    }

    /// The message as sent: headers, a blank line, the body.
    public func rendered() -> String {
        let headers = [
            "Date: \(Self.rfc5322Date(self.date))",
            "From: \(self.from)",
            "To: \(self.to)",
            "Subject: \(Self.encodedWord(self.subject))",
            "Message-ID: \(self.messageID)",
            "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=utf-8",
            "Content-Transfer-Encoding: 8bit",
        ]
        // SMTP ends the data at a line holding only "."; a body line starting with "." is doubled.
        let bodyLines = self.body.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            line.hasPrefix(".") ? "." + line : String(line)
        }
        return (headers + [""] + bodyLines).joined(separator: "\r\n")
    }

    /// ASCII subjects as they are; others as an RFC 2047 UTF-8 base64 encoded-word.
    static func encodedWord(_ text: String) -> String {
        guard !text.unicodeScalars.allSatisfy({ $0.isASCII && $0.value >= 0x20 }) else { return text }
        return "=?utf-8?B?\(Data(text.utf8).base64EncodedString())?="
    }

    static func rfc5322Date(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss '+0000'"
        return formatter.string(from: date)
    }
}
