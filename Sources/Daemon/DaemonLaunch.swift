import Credentials
public import Domain
import Foundation
public import Logging
import Metrics
public import Notifications
public import Storage

/// What `catalogd serve` does once its flags are parsed: opens the store, warms the catalog and
/// the admins up, makes the first-start superuser, builds the daemon and runs it until a shutdown
/// signal, then lets go of what it made.
public enum DaemonLaunch {
    /// The certificate both listeners serve.
    public enum TLS: Sendable {
        /// None: only behind a TLS-terminating proxy.
        case plaintext
        case files(DaemonConfiguration.TLSFiles)
        /// A self-signed pair in `<data-dir>/tls/`, made at the first start.
        case selfSigned(clientCAPath: String?)
    }

    /// Every setting of a start, resolved from flags and environment by the executable.
    public struct Settings: Sendable {
        /// Made (mode 0700) by the executable before the launch.
        public var dataDir: String
        public var store: StoreLocation
        /// How long a call waits for PostgreSQL before failing with UNAVAILABLE.
        public var storeTimeout: Duration = .seconds(5)
        /// The daemon's settings; its `tls` is set from `tls`.
        public var daemon = DaemonConfiguration()
        public var tls = TLS.selfSigned(clientCAPath: nil)
        /// Token lifetimes and the login rules.
        public var identity = IdentityService.Configuration()
        /// The first-start superuser's, when one is made.
        public var adminEmail = ""
        public var notifications = NotificationWorker.Configuration()
        /// Where notifications are mailed; `nil` writes them to the log.
        public var smtp: SMTPTransport.Configuration?

        public init(dataDir: String, store: StoreLocation) {
            self.dataDir = dataDir
            self.store = store
        }
    }

    public static func run(_ settings: Settings, logger: Logger) async throws {
        var configuration = settings.daemon
        configuration.tls = try self.tlsFiles(settings.tls, dataDir: settings.dataDir, logger: logger)
        // Off, nothing is counted: the calls then read no clock for it.
        let metrics = configuration.metrics.map { _ in DaemonMetrics() }
        let factory = metrics?.factory ?? NOOPMetricsHandler.instance
        try await settings.store.withStore(timeout: settings.storeTimeout, metrics: factory, logger: logger) { opened in
            let (worker, smtp) = try self.notificationWorker(
                settings,
                store: opened.store,
                metrics: factory,
                logger: logger
            )
            let outcome: Result<Void, any Error>
            do {
                try await self.serve(
                    opened,
                    worker: worker,
                    metrics: metrics,
                    configuration: configuration,
                    settings,
                    logger
                )
                outcome = .success(())
            } catch {
                outcome = .failure(error)
            }
            try? await smtp?.shutdown()
            try outcome.get()
        }
        logger.info("stopped")
    }

    /// Warms the catalog and the admins up over the open store, makes the first-start superuser,
    /// and runs the daemon until it stops.
    private static func serve(
        _ opened: OpenedStore,
        worker: NotificationWorker,
        metrics: DaemonMetrics?,
        configuration: DaemonConfiguration,
        _ settings: Settings,
        _ logger: Logger
    ) async throws {
        var catalogConfiguration = ProductCatalog.Configuration()
        catalogConfiguration.changeCommitted = { worker.wake() }
        if let metrics {
            catalogConfiguration.cacheMissed = metrics.cacheMissObserver()
        }
        let catalog = ProductCatalog(store: opened.store, configuration: catalogConfiguration)
        try await catalog.warmUp()
        var identityConfiguration = settings.identity
        if let metrics {
            identityConfiguration.observe = metrics.identityObserver()
        }
        let identity = try await IdentityStack(
            store: opened.store,
            dataDir: settings.dataDir,
            configuration: identityConfiguration,
            logger: logger
        )
        do {
            try await InitialSuperuser.createIfNoAdmins(
                identity.identity,
                email: settings.adminEmail,
                dataDir: settings.dataDir,
                logger: logger
            )
            let daemon = try Daemon(
                configuration: configuration,
                parts: DaemonParts(
                    store: opened.store,
                    changeFeed: opened.changeFeed,
                    catalog: catalog,
                    identity: identity.identity,
                    worker: worker,
                    metrics: metrics
                ),
                logger: logger
            )
            try await daemon.run(logger: logger)
        } catch {
            await identity.shutdown()
            throw error
        }
        await identity.shutdown()
    }

    /// The files both listeners serve; `nil` for plaintext.
    static func tlsFiles(_ tls: TLS, dataDir: String, logger: Logger) throws -> DaemonConfiguration.TLSFiles? {
        switch tls {
        case .plaintext:
            logger.warning("serving plaintext: run this only behind a TLS-terminating proxy")
            return nil
        case .files(let files):
            return files
        case .selfSigned(let clientCAPath):
            let files = try SelfSignedCertificate.ensure(in: (dataDir as NSString).appendingPathComponent("tls"))
            logger.info(
                "serving the self-signed certificate clients should trust",
                metadata: ["path": "\(files.certificatePath)"]
            )
            return .init(
                certificatePath: files.certificatePath,
                privateKeyPath: files.privateKeyPath,
                clientCAPath: clientCAPath
            )
        }
    }

    /// The worker over `store`, mailing through SMTP, or writing to the log when no server is set.
    static func notificationWorker(
        _ settings: Settings,
        store: any NotificationStore,
        metrics: any MetricsFactory,
        logger: Logger
    ) throws -> (NotificationWorker, SMTPTransport?) {
        let transport: any MailTransport
        let smtp: SMTPTransport?
        if let configuration = settings.smtp {
            let made = try SMTPTransport(configuration: configuration)
            logger.info("notifications go to \(made.displayAddress)")
            (transport, smtp) = (made, made)
        } else {
            logger.info("no --smtp-url: notifications are written to the log")
            (transport, smtp) = (LogMailTransport(logger: logger), nil)
        }
        let worker = NotificationWorker(
            store: store,
            transport: transport,
            configuration: settings.notifications,
            metrics: metrics,
            logger: logger
        )
        return (worker, smtp)
    }
}

extension OpenedStore {
    /// PostgreSQL's change feed, which several daemons on one database share; SQLite has none.
    var changeFeed: (any StoreChangeFeed)? {
        switch self {
        case .sqlite: nil
        case .postgres(let store): store.changeFeed
        }
    }
}
