import ArgumentParser
import Domain
import Foundation
import Logging
import Metrics
import Notifications

/// How product-change emails leave: the SMTP server and the retry policy.
struct NotificationOptions: ParsableArguments {
    @Option(
        help: "smtp://[user:pass@]host:port or smtps://...; unset: notifications go to the log. [env: CATALOG_SMTP_URL]"
    )
    var smtpURL: String?

    @Option(help: "The From address of notification emails. [env: CATALOG_SMTP_FROM] (default: catalogd@<hostname>)")
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

    /// The worker over `store`, with the SMTP transport, or the log when no URL is set.
    func makeWorker(
        store: any NotificationStore,
        metrics: any MetricsFactory,
        logger: Logger
    ) throws -> (NotificationWorker, SMTPTransport?) {
        let hostname = ProcessInfo.processInfo.hostName
        var configuration = NotificationWorker.Configuration()
        configuration.from =
            self.smtpFrom ?? Environment.value("CATALOG_SMTP_FROM") ?? "catalogd <catalogd@\(hostname)>"
        configuration.hostname = hostname
        configuration.retry.initialDelay = self.notifyRetryInitial
        configuration.retry.maxDelay = self.notifyRetryMax
        configuration.retry.maxAttempts = self.notifyMaxAttempts

        guard let text = self.smtpURL ?? Environment.value("CATALOG_SMTP_URL") else {
            logger.info("no --smtp-url: notifications are written to the log")
            return (
                NotificationWorker(
                    store: store,
                    transport: LogMailTransport(logger: logger),
                    configuration: configuration,
                    metrics: metrics,
                    logger: logger
                ), nil
            )
        }
        guard let url = URL(string: text) else {
            throw ValidationError("--smtp-url is not a URL")
        }
        var smtp = SMTPTransport.Configuration(url: url)
        smtp.startTLS = self.smtpStarttls
        smtp.password = Environment.value("CATALOG_SMTP_PASSWORD")
        smtp.caPath = self.smtpCa
        let transport = try SMTPTransport(configuration: smtp)
        logger.info("notifications go to \(transport.displayAddress)")
        return (
            NotificationWorker(
                store: store,
                transport: transport,
                configuration: configuration,
                metrics: metrics,
                logger: logger
            ),
            transport
        )
    }
}

extension SMTPTransport.StartTLS: ExpressibleByArgument {}
