import Domain
import Foundation
import Notifications
import Testing

@Suite struct MailMessageTests {
    private let notification = ChangeNotification(
        id: UUID(uuidString: "0b6f1c1e-4b7e-4a3e-9d6a-2f9c1b3a5e71")!,
        recipient: "bob@example.com",
        subject: "[catalog] alice created product Lámpara (0b6f1c1e-4b7e-4a3e-9d6a-2f9c1b3a5e71)",
        body: "line one\n.starts with a dot\n",
        status: .pending,
        attempts: 0,
        lastError: "",
        createTime: Date(),
        nextAttemptTime: Date(),
        sentTime: nil
    )

    @Test func renderedMessagesCarryTheRFC5322Headers() {
        let message = MailMessage(
            notification: self.notification,
            from: "catalogd <catalogd@example.com>",
            hostname: "example.com",
            date: Date(timeIntervalSince1970: 1_800_000_000)
        )
        let text = message.rendered()
        let headers = text.components(separatedBy: "\r\n\r\n")[0].components(separatedBy: "\r\n")
        #expect(headers.contains("Date: Fri, 15 Jan 2027 08:00:00 +0000"))
        #expect(headers.contains("From: catalogd <catalogd@example.com>"))
        #expect(headers.contains("To: bob@example.com"))
        #expect(headers.contains("Message-ID: <0b6f1c1e-4b7e-4a3e-9d6a-2f9c1b3a5e71@example.com>"))
        #expect(headers.contains("MIME-Version: 1.0"))
        #expect(headers.contains("Content-Type: text/plain; charset=utf-8"))
        let subject = try! #require(headers.first { $0.hasPrefix("Subject: ") })
        #expect(subject.hasPrefix("Subject: =?utf-8?B?"), "non-ASCII subjects are encoded words")
        #expect(text.contains("\r\n..starts with a dot"), "a leading dot is doubled for SMTP")
        #expect(!text.replacingOccurrences(of: "\r\n", with: "").contains("\n"), "every line ends in CRLF")
    }

    @Test func theMessageIDIsStableAcrossRetries() {
        let first = MailMessage(notification: self.notification, from: "a@b.c", hostname: "h")
        let second = MailMessage(
            notification: self.notification,
            from: "a@b.c",
            hostname: "h",
            date: Date().addingTimeInterval(60)
        )
        #expect(first.messageID == second.messageID)
    }
}

@Suite struct RetryPolicyTests {
    @Test func delaysDoubleUpToTheCapAndStopAtTheLimit() throws {
        var policy = RetryPolicy()
        policy.initialDelay = 5
        policy.maxDelay = 60
        policy.maxAttempts = 6
        policy.jitter = 0.2
        let now = Date()
        let expected: [Double] = [5, 10, 20, 40, 60]
        for (index, delay) in expected.enumerated() {
            let next = try #require(policy.nextAttempt(after: index + 1, now: now)).timeIntervalSince(now)
            #expect(next >= delay * 0.8 && next <= delay * 1.2, "attempt \(index + 1): \(next)")
        }
        #expect(policy.nextAttempt(after: 6, now: now) == nil)
    }
}
