public import Domain
public import Foundation
public import Logging
public import Metrics
public import ServiceLifecycle
import Synchronization

/// Delivers the outbox: claims due notifications, sends each, marks it sent, and on
/// failure schedules a retry with backoff or, after the last attempt, marks it failed
/// and logs it. Rows survive restarts and crashes in the store, so nothing is lost.
///
/// Product writes wake it (`wake()`), so an email leaves within moments of its change; it
/// also polls, for retries and for rows written by other daemons. Sends run on the
/// transport's own thread, never on an event loop, so a slow mail server slows no RPC.
public final class NotificationWorker: Service {
    public struct Configuration: Sendable {
        /// The From address of every email.
        public var from = "catalogd <catalogd@localhost>"
        /// The right-hand side of Message-IDs.
        public var hostname = "catalogd"
        public var retry = RetryPolicy()
        public var pollInterval: Duration = .seconds(1)
        /// How long a round waits after the outbox could not be read (the store is down): doubling
        /// from the first to the second, so an outage costs a few reads a minute.
        public var outageBackoff = RetryBackoff(initial: .seconds(1), maximum: .seconds(30))
        /// A failure to read the outbox is logged at most once per this, with a count.
        var outageLogInterval: Duration = .seconds(60)
        /// How the worker waits (the poll, the backoff): `Task.sleep`, or a test's virtual time.
        public var sleep: @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) }
        /// The wall clock: what is due, when a retry is, when a message was sent (a test's clock
        /// in tests).
        public var now: @Sendable () -> Date = Date.init
        /// How long a claimed notification is held before another worker may take it.
        public var lease: TimeInterval = 60
        var batchSize = 16
        /// Told of each attempt once the store has its outcome: for tests, which await
        /// deliveries instead of polling the outbox.
        public var recorded: @Sendable (DeliveryOutcome) -> Void = { _ in }

        public init() {}
    }

    /// What became of one attempt to deliver a notification.
    public enum DeliveryOutcome: Sendable, Equatable {
        case sent
        /// Failed, with another attempt scheduled.
        case retryScheduled
        /// Failed for good: it was the last attempt.
        case failed
    }

    private let store: any NotificationStore
    private let transport: any MailTransport
    private let configuration: Configuration
    private let logger: Logger
    private let metrics: WorkerMetrics
    private let signal: (stream: AsyncStream<Void>, continuation: AsyncStream<Void>.Continuation)

    public init(
        store: any NotificationStore,
        transport: any MailTransport,
        configuration: Configuration,
        metrics: any MetricsFactory = NOOPMetricsHandler.instance,
        logger: Logger
    ) {
        self.store = store
        self.transport = transport
        self.configuration = configuration
        self.metrics = WorkerMetrics(factory: metrics)
        self.logger = logger
        self.signal = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// Asks for a delivery round now; cheap, and safe from any thread.
    public func wake() {
        self.signal.continuation.yield()
    }

    public func run() async throws {
        // On graceful shutdown the round in progress finishes its current send (bounded by
        // the transport's timeouts); what it had not started is given back to the outbox. On
        // cancellation every wait ends at once and no new round starts.
        let shuttingDown = ShutdownFlag()
        do {
            try await self.store.releaseClaimsOfDeadWorkers()
        } catch {
            self.logger.warning("could not release the claims of a previous run", metadata: ["error": "\(error)"])
        }
        await withGracefulShutdownHandler {
            await withDiscardingTaskGroup { group in
                // The poll: a wake-up every interval, for retries and other daemons' rows.
                group.addTask {
                    while !shuttingDown.isSet {
                        guard (try? await self.configuration.sleep(self.configuration.pollInterval)) != nil else {
                            return
                        }
                        self.signal.continuation.yield()
                    }
                }
                var outage = Outage(configuration: self.configuration)
                var wakeUps = self.signal.stream.makeAsyncIterator()
                while !shuttingDown.isSet, !Task.isCancelled {
                    if case .failed(let error) = await self.deliverDue(shuttingDown: shuttingDown) {
                        // Wake-ups meanwhile are kept (one), not acted on: the store is down.
                        // After the wait, the next round at once.
                        guard await outage.wait(after: error, logger: self.logger) else { break }
                        continue
                    }
                    outage.ended(logger: self.logger)
                    // nil once the task is cancelled.
                    guard await wakeUps.next() != nil else { break }
                }
                group.cancelAll()
            }
        } onGracefulShutdown: {
            shuttingDown.set()
            self.signal.continuation.yield()
        }
    }

    /// How a round ended.
    enum RoundResult {
        /// Everything due was delivered or given a retry, or the round stopped for shutdown.
        case done
        /// The outbox could not be read.
        case failed(any Error)
    }

    /// One round: everything due now, batch after batch.
    func deliverDue(shuttingDown: ShutdownFlag) async -> RoundResult {
        while !shuttingDown.isSet, !Task.isCancelled {
            let batch: [ChangeNotification]
            do {
                batch = try await self.store.claimDueNotifications(
                    now: self.configuration.now(),
                    limit: self.configuration.batchSize,
                    lease: self.configuration.lease
                )
            } catch {
                return .failed(error)
            }
            guard !batch.isEmpty else { return .done }
            for (index, notification) in batch.enumerated() {
                if shuttingDown.isSet || Task.isCancelled {
                    try? await self.store.releaseClaims(batch[index...].map(\.id))
                    return .done
                }
                await self.deliver(notification)
            }
        }
        return .done
    }

    private func deliver(_ notification: ChangeNotification) async {
        let message = MailMessage(
            notification: notification,
            from: self.configuration.from,
            hostname: self.configuration.hostname,
            date: self.configuration.now()
        )
        var logger = self.logger
        logger[metadataKey: "notification"] = "\(notification.id.canonicalText)"
        logger[metadataKey: "to"] = "\(notification.recipient)"
        do {
            let started = ContinuousClock.now
            do {
                try await self.transport.send(message)
                self.metrics.sendDuration.recordInterval(since: started, succeeded: true)
            } catch {
                self.metrics.sendDuration.recordInterval(since: started, succeeded: false)
                throw error
            }
            try await self.store.markSent(notification.id, at: self.configuration.now())
            self.metrics.sent.increment()
            self.configuration.recorded(.sent)
            logger.debug("notification sent")
        } catch {
            let attempts = notification.attempts + 1
            let retryAt = self.configuration.retry.nextAttempt(after: attempts, now: self.configuration.now())
            let reason = String(describing: error)
            do {
                try await self.store.markAttemptFailed(notification.id, error: reason, retryAt: retryAt)
            } catch {
                logger.warning(
                    "could not record a failed delivery; it will be retried",
                    metadata: ["error": "\(error)"]
                )
            }
            self.configuration.recorded(retryAt == nil ? .failed : .retryScheduled)
            if let retryAt {
                self.metrics.retries.increment()
                logger.info(
                    "notification not delivered; will retry",
                    metadata: ["attempt": "\(attempts)", "retry_at": "\(retryAt)", "error": "\(reason)"]
                )
            } else {
                self.metrics.failed.increment()
                logger.error(
                    "notification failed for good",
                    metadata: ["attempts": "\(attempts)", "error": "\(reason)"]
                )
            }
        }
    }
}

/// The worker's view of an outbox it cannot read: how long to wait before the next round, and
/// which failures to log.
private struct Outage {
    var backoff: RetryBackoff
    var log: RepeatedFailureLog
    let sleep: @Sendable (Duration) async throws -> Void

    init(configuration: NotificationWorker.Configuration) {
        self.backoff = configuration.outageBackoff
        self.log = RepeatedFailureLog(interval: configuration.outageLogInterval)
        self.sleep = configuration.sleep
    }

    /// Logs `error` (or not) and waits out the backoff; `false` when cancelled or shut down meanwhile.
    mutating func wait(after error: any Error, logger: Logger) async -> Bool {
        // Cancellation is how the worker stops, not a failure of the outbox.
        if error is CancellationError || Task.isCancelled { return false }
        let delay = self.backoff.failed()
        if case .log(let failures) = self.log.failed(at: .now) {
            logger.warning(
                "could not read the notification outbox; retrying with backoff",
                metadata: ["error": "\(error)", "failures": "\(failures)", "retry_in": "\(delay)"]
            )
        }
        // A graceful shutdown ends the wait too: nothing is being sent.
        return (try? await cancelWhenGracefulShutdown { [sleep = self.sleep] in try await sleep(delay) }) != nil
    }

    mutating func ended(logger: Logger) {
        self.backoff.succeeded()
        if let failures = self.log.succeeded() {
            logger.info("the notification outbox is readable again", metadata: ["failures": "\(failures)"])
        }
    }
}

/// Set once, read from any task.
final class ShutdownFlag: Sendable {
    private let storage = Mutex(false)

    var isSet: Bool { self.storage.withLock { $0 } }

    func set() { self.storage.withLock { $0 = true } }
}

/// What the worker counts, through swift-metrics.
private struct WorkerMetrics {
    let sent: Counter
    /// Failed for good: the last attempt failed.
    let failed: Counter
    /// Attempts that failed with another one scheduled.
    let retries: Counter
    let sendDuration: SendDuration

    init(factory: any MetricsFactory) {
        self.sent = Counter(label: "catalog_outbox_sent_total", factory: factory)
        self.failed = Counter(label: "catalog_outbox_failed_total", factory: factory)
        self.retries = Counter(label: "catalog_outbox_retries_total", factory: factory)
        self.sendDuration = SendDuration(factory: factory)
    }

    /// The SMTP send's latency, by outcome.
    struct SendDuration {
        let succeeded: CoreMetrics.Timer
        let failed: CoreMetrics.Timer

        init(factory: any MetricsFactory) {
            let label = "catalog_smtp_send_duration_seconds"
            self.succeeded = CoreMetrics.Timer(label: label, dimensions: [("outcome", "success")], factory: factory)
            self.failed = CoreMetrics.Timer(label: label, dimensions: [("outcome", "failure")], factory: factory)
        }

        func recordInterval(since start: ContinuousClock.Instant, succeeded: Bool) {
            (succeeded ? self.succeeded : self.failed).record(duration: ContinuousClock.now - start)
        }
    }
}
