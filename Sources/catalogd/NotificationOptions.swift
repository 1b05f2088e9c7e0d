public import ArgumentParser
import Daemon
import Foundation
import HostSupport
import Notifications

/// How product-change emails leave: the SMTP server and the retry policy.
struct NotificationOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            EnvironmentSettings.smtpURL.help(
                "smtp://[user:pass@]host:port or smtps://...; unset: notifications go to the log."
            ),
            valueName: "url"
        )
    )
    var smtpURL: String?

    @Option(help: ArgumentHelp(EnvironmentSettings.smtpFrom.help("The From address of notification emails.")))
    var smtpFrom: String?

    @Option(
        help:
            "STARTTLS on smtp:// URLs: required, opportunistic or off. (default: required when the URL or CATALOG_SMTP_PASSWORD carries credentials, else opportunistic)"
    )
    var smtpStarttls: SMTPTransport.StartTLS?

    @Option(help: "PEM CA certificates to trust for the mail server's TLS (default: the system's).")
    var smtpCa: String?

    @Option(help: "Seconds before the first retry of a failed email; each retry waits twice as long.")
    var notifyRetryInitial: Double = 5

    @Option(help: "Longest wait between retries, in seconds.")
    var notifyRetryMax: Double = 15 * 60

    @Option(help: "Delivery attempts before an email is marked failed.")
    var notifyMaxAttempts: Int = 10

    func validate() throws {
        guard self.notifyRetryInitial > 0, self.notifyRetryMax >= self.notifyRetryInitial, self.notifyMaxAttempts > 0
        else {
            throw ValidationError(
                "retries need --notify-retry-initial > 0, --notify-retry-max >= it, --notify-max-attempts > 0"
            )
        }
    }

    /// The worker's sender and retries, and the mail server, if one is set (else the log).
    func apply(to settings: inout DaemonLaunch.Settings) throws {
        let hostname = ProcessInfo.processInfo.hostName
        settings.notifications.from =
            EnvironmentSettings.smtpFrom.text(flag: self.smtpFrom)?.text ?? "catalogd <catalogd@\(hostname)>"
        settings.notifications.hostname = hostname
        settings.notifications.retry.initialDelay = self.notifyRetryInitial
        settings.notifications.retry.maxDelay = self.notifyRetryMax
        settings.notifications.retry.maxAttempts = self.notifyMaxAttempts
        guard
            let url = try EnvironmentSettings.smtpURL.value(
                text: self.smtpURL,
                expected: "a URL",
                parse: { URL(string: $0) }
            )
        else {
            settings.smtp = nil
            return
        }
        var smtp = SMTPTransport.Configuration(url: url)
        smtp.startTLS = self.smtpStarttls
        smtp.password = Environment.value("CATALOG_SMTP_PASSWORD")
        smtp.caPath = self.smtpCa
        settings.smtp = smtp
    }
}

extension SMTPTransport.StartTLS: ExpressibleByArgument {}
